"""Fixtures of the console tests: a small published data dir, a console client, a live server.

Until the pack (issue 14) publishes `mart.ward_completeness`, `add_ward_completeness_standin`
writes a simplified table with the agreed columns into a test's published file; once the real
table is there it does nothing, so the same tests then run against the pack's table.
"""

import os
import shutil
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from ops_support import SMALL_DISTRICT, SMALL_QUARTERS, mttq

from flows.console.app import Limits, create_app
from flows.settings import load_settings
from transforms.periods import period_end, periods_of_year
from warehouse import reference

DEADLINE_DAYS = 10


def add_ward_completeness_standin(published_db: Path) -> bool:
    """A stand-in `mart.ward_completeness` (quarters from files; a cumulative period received
    when its quarters are) unless the published file already has the real one."""
    con = duckdb.connect(str(published_db))
    try:
        exists = con.execute("select count(*) from duckdb_tables() where schema_name = 'mart' "
                             "and table_name = 'ward_completeness'").fetchall()[0][0]
        if exists:
            return False
        files = con.sql(
            "select ward_code, period, received_at, file_hash, file_name, status "
            "from raw.files where status in ('accepted', 'accepted_with_errors')").pl()
        dropped = con.sql(
            "select file_hash, count(*) as values_dropped from mart.findings "
            "where severity = 'error' and finding_code like 'V_%' group by file_hash").pl()
        years = sorted({int(p[:4]) for p in files["period"].to_list()})
        units = reference.load_units()
        out = []
        for year in years:
            for order, period in enumerate(periods_of_year(year)):
                valid = reference.units_valid_on(units, period_end(period))
                districts = valid.filter(pl.col("level") == "district").select(
                    pl.col("unit_code").alias("district_code"),
                    pl.col("unit_name").alias("district_name"))
                wards = valid.filter(pl.col("level") == "ward").join(
                    districts, left_on="parent_code", right_on="district_code").select(
                    "province_code", pl.col("parent_code").alias("district_code"),
                    "district_name", pl.col("unit_code").alias("ward_code"),
                    pl.col("unit_name").alias("ward_name"))
                due = period_end(period) + timedelta(days=DEADLINE_DAYS)
                mine = files.filter(pl.col("period") == period).join(
                    dropped, on="file_hash", how="left")
                frame = wards.join(mine.drop("period"), on="ward_code", how="left").with_columns(
                    period=pl.lit(period), period_start=pl.lit(period_end(period)),
                    period_order=pl.lit(year * 10 + order),
                    ward_order=pl.col("ward_code").rank("ordinal").over("district_code"),
                    is_received=pl.col("file_hash").is_not_null(),
                    days_late=pl.max_horizontal(
                        pl.lit(0), (pl.col("received_at").dt.date() - pl.lit(due)).dt.total_days()),
                    values_dropped=pl.col("values_dropped").fill_null(0),
                    file_status=pl.col("status"),
                ).with_columns(is_on_time=pl.col("is_received") & (pl.col("days_late") == 0))
                out.append(frame)
        table = pl.concat(out).select(
            "period", "period_start", "period_order", "province_code", "district_code",
            "district_name", "ward_code", "ward_name", "ward_order", "is_received",
            "is_on_time", "days_late", "received_at", "file_hash", "file_name", "file_status",
            "values_dropped")
        con.register("standin", table.to_arrow())
        con.execute("create table mart.ward_completeness as select * from standin")
        return True
    finally:
        con.close()


@pytest.fixture(scope="session")
def small_published(tmp_path_factory, prefect_server) -> Path:
    """A data dir after one run over a small inbox (Ba Đình, 2021-Q1/Q2, planted bad files)."""
    from flows.demo import make_demo_inbox

    data_dir = tmp_path_factory.mktemp("console") / "data"
    make_demo_inbox(data_dir / "inbox", quarters=SMALL_QUARTERS, district_codes=SMALL_DISTRICT)
    done = mttq("run", "--data-dir", str(data_dir), server=prefect_server)
    assert done.returncode == 0, done.stdout + done.stderr
    add_ward_completeness_standin(data_dir / "warehouse" / "mttq.duckdb")
    return data_dir


@pytest.fixture
def data_copy(small_published, tmp_path) -> Path:
    """A private copy of the small data dir (tests may add files to its inbox)."""
    target = tmp_path / "data"
    shutil.copytree(small_published, target, symlinks=True)
    return target


def client_for(data_dir: Path, password_required: bool = False, limits: Limits | None = None):
    from fastapi.testclient import TestClient

    app = create_app(load_settings(data_dir=data_dir), password_required=password_required,
                     limits=limits or Limits())
    return TestClient(app)


def csrf_of(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


class LiveConsole:
    """The console served by uvicorn in a thread, on a free 127.0.0.1 port."""

    def __init__(self, data_dir: Path, env: dict | None = None) -> None:
        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.saved_env = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        app = create_app(load_settings(data_dir=data_dir))
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.server.started, "the console did not start"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        for key, value in self.saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def ward_report(path: Path, ward_code: str, ward_name: str, values: dict,
                period: str = "Quý III/2021") -> Path:
    """A ward's report in the template (Ba Đình), as a clerk fills it in."""
    from datetime import date

    from warehouse.template import write_report_xlsx

    catalog = reference.load_indicators().sort("sort_order").to_dicts()
    header = {"ward_name": ward_name, "ward_code": ward_code, "district_name": "Quận Ba Đình",
              "period_label": period, "report_date": date(2021, 10, 5), "author": "Nguyễn Văn A"}
    return write_report_xlsx(path, header, catalog, values=values)


def three_files(folder: Path) -> list[Path]:
    """Issue 15's three: a good report, one with a dropped value, one naming an unknown ward."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        ward_report(folder / "BC Quý III Phúc Xá.xlsx", "00001", "Phường Phúc Xá",
                    {"quy_vi_nguoi_ngheo": "10,4 triệu", "giam_sat_cuoc": 12,
                     "nha_dai_doan_ket_xay_moi": 2}),
        ward_report(folder / "BC Quý III Trúc Bạch.xlsx", "00004", "Phường Trúc Bạch",
                    {"quy_vi_nguoi_ngheo": 5_000_000, "giam_sat_cuoc": "1.2.3",
                     "doi_thoai_cuoc": 3}),
        ward_report(folder / "BC Quý III phường lạ.xlsx", "99999", "Phường Không Có",
                    {"giam_sat_cuoc": 4}),
    ]
