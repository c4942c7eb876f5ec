"""End to end: a generated inbox through the real nightly flow, DuckDB and Parquet read back."""

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from flows.nightly import nightly
from transforms.periods import quarter_range
from warehouse import reference
from warehouse.sample_inbox import district_era_wards, plan_inbox, truth_frame, write_inbox

DISTRICTS = ["001", "003"]  # Ba Đình (14 wards), Tây Hồ (8 wards)
QUARTERS = quarter_range("2021-Q1", "2021-Q4")
SUM_CODES = ["quy_vi_nguoi_ngheo", "giam_sat_cuoc", "nha_dai_doan_ket_xay_moi", "gao_ho_tro"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, prefect_harness):
    data_dir = tmp_path_factory.mktemp("data")
    wards = district_era_wards(district_codes=DISTRICTS)
    planned = plan_inbox(wards, QUARTERS, seed=7)
    write_inbox(data_dir / "inbox", planned, reference.load_indicators())
    first = nightly(data_dir=str(data_dir))
    return data_dir, wards, planned, first


def query(data_dir, sql: str) -> pl.DataFrame:
    con = duckdb.connect(str(data_dir / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def test_nightly_district_totals_equal_sum_of_generated_ward_values(demo_run):
    data_dir, wards, planned, _ = demo_run
    truth = (
        truth_frame(planned)
        .join(wards.select("ward_code", "district_code"), on="ward_code")
        .filter(pl.col("indicator_code").is_in(SUM_CODES) & pl.col("period").is_in(QUARTERS))
        .group_by("district_code", "period", "indicator_code")
        .agg(pl.col("value").sum())
    )
    published = query(
        data_dir,
        "select unit_code as district_code, period, indicator_code, value "
        "from mart.district_summary where unit_code in ('001', '003') "
        f"and indicator_code in {tuple(SUM_CODES)} and period like '2021-Q%'",
    )
    joined = truth.join(published, on=["district_code", "period", "indicator_code"],
                        suffix="_published", how="full", coalesce=True)
    assert joined.height == 2 * 4 * len(SUM_CODES)
    mismatches = joined.filter((pl.col("value") - pl.col("value_published")).abs() > 1e-6)
    assert mismatches.is_empty(), mismatches


def test_nightly_city_equals_sum_of_districts_for_sum_indicators(demo_run):
    data_dir, *_ = demo_run
    diff = query(data_dir, """
        with districts as (
            select period, indicator_code, sum(value) as total
            from mart.district_summary group by all
        )
        select c.period, c.indicator_code, c.value, d.total
        from mart.city_summary c
        join districts d using (period, indicator_code)
        join core.indicators i using (indicator_code)
        where i.aggregation = 'sum' and abs(coalesce(c.value, 0) - coalesce(d.total, 0)) > 1e-6
    """)
    assert diff.is_empty(), diff


def test_nightly_every_inbox_file_is_in_the_ledger_with_its_status(demo_run):
    data_dir, _, planned, result = demo_run
    files = query(data_dir, "select original_path, status from raw.files order by 1")
    assert files.height == len(planned) == result["files_seen"]
    by_drift = {p.relative_path: p.drift for p in planned}
    statuses = {row["original_path"]: row["status"] for row in files.iter_rows(named=True)}
    expected = {
        "unknown_ward": "rejected", "missing_period": "rejected", "corrupt": "rejected",
        "unsupported_type": "rejected", "duplicate": "duplicate",
        "superseded_version": "superseded", "bad_value": "accepted_with_errors",
        "resubmission": "accepted", "text_values": "accepted", "name_without_code": "accepted",
        "rows_above_and_empty_first_sheet": "accepted", "half_year_instead_of_q2": "accepted",
    }
    for path, drift in by_drift.items():
        if drift:
            assert statuses[path] == expected[drift], (path, drift)


def test_nightly_rejections_name_file_code_and_reason(demo_run):
    data_dir, *_ = demo_run
    findings = query(data_dir, """
        select f.file_name, x.finding_code, x.message_vi, x.message_en
        from mart.findings x join raw.files f using (file_hash)
        where f.status = 'rejected' and x.severity = 'error' order by 1
    """)
    codes = dict(zip(findings["file_name"], findings["finding_code"], strict=False))
    assert codes["bao_cao_hong.xlsx"] == "F_UNREADABLE"
    assert codes["ghi_chu.docx"] == "F_UNSUPPORTED_TYPE"
    assert any(name.endswith("_ma_sai.xlsx") and code == "F_WARD_UNKNOWN"
               for name, code in codes.items())
    assert any(name.endswith("_thieu_ky.xlsx") and code == "F_PERIOD_MISSING"
               for name, code in codes.items())
    assert findings["message_vi"].str.len_chars().min() > 20


def test_nightly_twice_changes_nothing_and_publishes_identical_tables(demo_run):
    data_dir, *_ = demo_run
    tables = ["mart.district_summary", "mart.city_summary", "mart.cluster_summary",
              "core.ward_values", "mart.completeness", "mart.findings", "raw.files"]
    before = {t: query(data_dir, f"select * from {t}") for t in tables}
    second = nightly(data_dir=str(data_dir))
    assert second["files_new"] == 0
    for table in tables:
        assert_frame_equal(before[table], query(data_dir, f"select * from {table}"))
    # and it did only what such a night needs: no reading, ingesting or state update
    flow_run_id = query(data_dir, "select flow_run_id from ops.runs where run_id = "
                                  f"'{second['run_id']}'")["flow_run_id"][0]
    assert task_names(flow_run_id) == ["counts_if_up_to_date", "load_reference_data",
                                       "publish_outputs", "publish_run_artifacts",
                                       "scan_inbox", "write_changed_packs"]


def task_names(flow_run_id: str) -> list[str]:
    """The names of a flow run's tasks, as the Prefect server recorded them."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[flow_run_id])))
    return sorted(run.name.rsplit("-", 1)[0] for run in runs)


def test_nightly_writes_parquet_partitioned_by_period(demo_run):
    data_dir, *_ = demo_run
    root = data_dir / "parquet" / "district_summary"
    partitions = sorted(p.name for p in root.iterdir())
    assert "period=2021-Q3" in partitions and "period=2021-Y" in partitions
    from_parquet = pl.read_parquet(root / "period=2021-Q3" / "part-0.parquet")
    from_duckdb = query(data_dir, "select * exclude (period) from mart.district_summary "
                        "where period = '2021-Q3'")
    assert_frame_equal(from_parquet, from_duckdb)


def test_nightly_periods_are_those_with_values_and_strict_is_passed_as_given(
        tmp_path, prefect_harness, monkeypatch):
    from datetime import date

    from warehouse.template import write_report_xlsx

    catalog = reference.load_indicators().sort("sort_order").to_dicts()
    header = {"ward_name": "Phường Phúc Xá", "ward_code": "00001",
              "district_name": "Quận Ba Đình", "period_label": "Quý III/2021",
              "report_date": date(2021, 10, 5), "author": "A"}
    (tmp_path / "inbox").mkdir()
    write_report_xlsx(tmp_path / "inbox" / "q3.xlsx", header, catalog,
                      values={"giam_sat_cuoc": 12, "doi_thoai_cuoc": "mười"})
    monkeypatch.setenv("MTTQ_STRICT", "1")

    result = nightly(data_dir=str(tmp_path), strict=False)  # False overrides MTTQ_STRICT=1

    assert result["periods"] == ["2021-Q3", "2021-9M", "2021-H2", "2021-Y"]  # no H1: no Q1/Q2
    assert (result["files_accepted"], result["files_with_errors"]) == (0, 1)
    recorded = query(tmp_path, "select parameters from ops.runs")["parameters"][0]
    assert '"strict": false' in recorded


def test_nightly_restated_history_keeps_every_sum_total(demo_run):
    data_dir, *_ = demo_run
    diff = query(data_dir, """
        with reported as (
            select period, indicator_code, sum(value) as v from core.ward_values
            join core.indicators using (indicator_code) where aggregation = 'sum' group by all),
        restated as (
            select period, indicator_code, sum(value) as v from core.ward_values_current
            join core.indicators using (indicator_code) where aggregation = 'sum' group by all)
        select r.period, r.indicator_code, r.v, c.v as restated
        from reported r full join restated c using (period, indicator_code)
        where abs(coalesce(r.v, 0) - coalesce(c.v, 0)) > 1e-6
    """)
    sums = query(data_dir, "select count(*) from core.indicators where aggregation = 'sum'")
    assert sums.item() > 20
    assert diff.is_empty(), diff
