"""End to end: reports read against the hierarchy of their own period (issue 11's must-shows).

Đống Đa had 21 wards in 2021 (its Q3 2021 conference report: "21 phường") and 17 after the
2025-01-01 mergers; Quận 11 (Hồ Chí Minh) had 16 in 2021. Files are the real template, read by
the real nightly flow into a real DuckDB file.
"""

from dataclasses import replace
from datetime import date, timedelta

import duckdb
import polars as pl
import pytest

from flows.nightly import nightly
from warehouse import reference
from warehouse.sample_inbox import district_era_wards, plan_inbox, truth_frame, write_inbox

POOR_FUND = "quy_vi_nguoi_ngheo"


def run_inbox(data_dir, planned) -> None:
    write_inbox(data_dir / "inbox", planned, reference.load_indicators())
    nightly(data_dir=str(data_dir))


def query(data_dir, sql: str, *params) -> pl.DataFrame:
    con = duckdb.connect(str(data_dir / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        return con.sql(sql, params=list(params) or None).pl()
    finally:
        con.close()


def coverage(data_dir, district: str, period: str) -> tuple[int, int]:
    row = query(data_dir, "select wards_reporting, wards_expected from mart.district_summary "
                "where unit_code = ? and period = ? and indicator_code = ?",
                district, period, POOR_FUND).row(0)
    return row[0], row[1]


def statuses(data_dir) -> dict[str, int]:
    frame = query(data_dir, "select status, count(*) from raw.files group by all")
    return dict(frame.iter_rows())


def district_total(data_dir, district: str, period: str) -> float:
    return query(data_dir, "select value from mart.district_summary where unit_code = ? and "
                 "period = ? and indicator_code = ?", district, period, POOR_FUND).item()


def expected_total(planned, ward_codes=None) -> float:
    truth = truth_frame(planned).filter(pl.col("indicator_code") == POOR_FUND)
    if ward_codes is not None:
        truth = truth.filter(pl.col("ward_code").is_in(ward_codes))
    return truth["value"].sum()


def test_dong_da_2021_q3_counts_its_21_wards_and_a_name_only_thinh_quang(
        tmp_path, prefect_harness):
    wards = district_era_wards(district_codes=["006"], on=date(2021, 9, 30))
    planned = plan_inbox(wards, ["2021-Q3"], special_cases=False)
    # Thịnh Quang writes its name only: in 2021 it is 00223 (00235 was Ngã Tư Sở until 2025)
    planned = [replace(f, drift="name_without_code") if f.ward_code == "00223" else f
               for f in planned]
    run_inbox(tmp_path, planned)

    assert len(wards) == 21
    assert statuses(tmp_path) == {"accepted": 21}
    assert coverage(tmp_path, "006", "2021-Q3") == (21, 21)
    assert district_total(tmp_path, "006", "2021-Q3") == pytest.approx(expected_total(planned))
    thinh_quang = query(tmp_path, "select ward_code, value from core.ward_values where "
                        "period = '2021-Q3' and indicator_code = ? and ward_code in "
                        "('00223', '00235') order by ward_code", POOR_FUND)
    truth = {f.ward_code: f.values[POOR_FUND] for f in planned}
    assert thinh_quang.rows() == [("00223", truth["00223"]), ("00235", truth["00235"])]


def test_dong_da_2025_q1_has_17_wards_and_rejects_a_ward_merged_away(tmp_path, prefect_harness):
    wards = district_era_wards(district_codes=["006"], on=date(2025, 3, 31))
    planned = plan_inbox(wards, ["2025-Q1"], special_cases=False)
    quoc_tu_giam = replace(planned[0], relative_path="late/BC_2025-Q1_quoc_tu_giam_00184.xlsx",
                           ward_code="00184", ward_name="Phường Quốc Tử Giám")
    run_inbox(tmp_path, [*planned, quoc_tu_giam])

    assert len(wards) == 17
    assert statuses(tmp_path) == {"accepted": 17, "rejected": 1}
    assert coverage(tmp_path, "006", "2025-Q1") == (17, 17)
    rejected = query(tmp_path, "select finding_code from mart.findings where severity = 'error'")
    assert rejected["finding_code"].to_list() == ["F_WARD_UNKNOWN"]


def test_quan_11_2021_year_reports_count_16_of_16(tmp_path, prefect_harness, monkeypatch):
    monkeypatch.setenv("MTTQ_PROVINCE", "79")
    wards = district_era_wards("79", district_codes=["772"], on=date(2021, 12, 31))
    planned = [replace(f, period="2021-Y", relative_path=f.relative_path.replace("Q4", "Y"),
                       report_date=date(2022, 1, 5))
               for f in plan_inbox(wards, ["2021-Q4"], special_cases=False)]
    run_inbox(tmp_path, planned)

    assert len(wards) == 16
    assert statuses(tmp_path) == {"accepted": 16}
    assert coverage(tmp_path, "772", "2021-Y") == (16, 16)


def test_a_valid_code_of_another_ward_is_rejected_and_the_real_report_stands(
        tmp_path, prefect_harness):
    soc_son = district_era_wards(district_codes=["016"], on=date(2021, 9, 30))
    planned = plan_inbox(soc_son, ["2021-Q3"], special_cases=False)
    phu_lo = next(f for f in planned if f.ward_code == "00448")
    # Tây Đằng's workbook (Ba Vì) with only its code changed to Phù Lỗ's, written later.
    tay_dang = replace(phu_lo, relative_path="ba_vi/BC_2021-Q3_tay_dang.xlsx", file_format="xlsx",
                       ward_name="Thị trấn Tây Đằng", district_name="Huyện Ba Vì",
                       report_date=phu_lo.report_date + timedelta(days=3),
                       received_at=phu_lo.received_at + timedelta(days=3),
                       values={k: v * 3 for k, v in phu_lo.values.items()})
    run_inbox(tmp_path, [*planned, tay_dang])

    finding = query(tmp_path, "select file_name, finding_code, message_vi, message_en "
                    "from mart.findings where severity = 'error'").row(0, named=True)
    assert finding["file_name"].endswith("BC_2021-Q3_tay_dang.xlsx")
    assert finding["finding_code"] == "F_WARD_MISMATCH"
    assert "Xã Phù Lỗ (00448, Huyện Sóc Sơn)" in finding["message_vi"]
    assert "Thị trấn Tây Đằng (09619, Huyện Ba Vì)" in finding["message_en"]
    assert coverage(tmp_path, "016", "2021-Q3") == (len(soc_son), len(soc_son))
    assert district_total(tmp_path, "016", "2021-Q3") == pytest.approx(expected_total(planned))
