"""Past one machine: the nightly flow on a local Dask cluster gives the default run's outputs."""

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from prefect.task_runners import ThreadPoolTaskRunner

from flows.nightly import nightly
from flows.settings import Settings, load_settings
from flows.tasks import batch_size, task_runner_for
from transforms.periods import quarter_range
from warehouse import reference
from warehouse.sample_inbox import district_era_wards, plan_inbox, write_inbox

prefect_dask = pytest.importorskip("prefect_dask", reason="pip install -e '.[dev]' (bench extra)")

COMPARED = ("core.ward_values", "mart.district_summary", "mart.cluster_summary",
            "mart.city_summary", "mart.completeness", "mart.findings")


def published(data_dir, table: str) -> pl.DataFrame:
    con = duckdb.connect(str(data_dir / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        return con.sql(f"select * from {table}").pl()
    finally:
        con.close()


@pytest.mark.slow
def test_nightly_on_local_dask_cluster_equals_default_run(tmp_path, prefect_harness):
    inbox = tmp_path / "inbox"
    # Two districts, a year, with the generator's special cases (rejects, duplicates, H1 ...)
    planned = plan_inbox(district_era_wards(district_codes=["001", "003"]),
                         quarter_range("2021-Q1", "2021-Q4"), seed=11)
    write_inbox(inbox, planned, reference.load_indicators())
    default = nightly(inbox=str(inbox), data_dir=str(tmp_path / "default"))
    runner = task_runner_for(Settings(task_runner="dask", workers=2))
    on_dask = nightly.with_options(task_runner=runner)(inbox=str(inbox),
                                                       data_dir=str(tmp_path / "dask"))
    for key in ("files_new", "files_accepted", "files_with_errors", "files_rejected",
                "files_duplicate", "files_superseded", "periods"):
        assert on_dask[key] == default[key], key
    for table in COMPARED:
        assert_frame_equal(published(tmp_path / "dask", table),
                           published(tmp_path / "default", table))
    ledger = ["original_path", "file_hash", "status", "ward_code", "period"]
    assert_frame_equal(published(tmp_path / "dask", "raw.files").select(ledger).sort(ledger),
                       published(tmp_path / "default", "raw.files").select(ledger).sort(ledger))


def test_task_runner_for_local_is_prefects_thread_pool():
    assert isinstance(task_runner_for(Settings()), ThreadPoolTaskRunner)


def test_task_runner_for_dask_without_address_starts_a_local_cluster_of_workers():
    runner = task_runner_for(Settings(task_runner="dask", workers=3))
    assert isinstance(runner, prefect_dask.DaskTaskRunner)
    assert runner.cluster_kwargs["n_workers"] == 3


def test_task_runner_for_dask_address_connects_to_that_scheduler():
    runner = task_runner_for(Settings(task_runner="dask", dask_address="tcp://10.0.0.5:8786"))
    assert runner.address == "tcp://10.0.0.5:8786"


def test_task_runner_for_unknown_runner_says_what_is_allowed():
    with pytest.raises(ValueError, match="MTTQ_TASK_RUNNER must be 'local' or 'dask', not 'ray'"):
        task_runner_for(Settings(task_runner="ray"))


def test_load_settings_reads_task_runner_and_dask_address(monkeypatch):
    monkeypatch.setenv("MTTQ_TASK_RUNNER", " Dask ")
    monkeypatch.setenv("MTTQ_DASK_ADDRESS", "tcp://scheduler:8786")
    settings = load_settings()
    assert (settings.task_runner, settings.dask_address) == ("dask", "tcp://scheduler:8786")


@pytest.mark.parametrize(("files", "parts", "expected"), [
    (0, 4, 1), (3, 4, 1), (100, 4, 25), (10_000, 4, 250), (10_000, 0, 250),
])
def test_batch_size_gives_every_worker_some_files_up_to_the_cap(files, parts, expected):
    assert batch_size(files, parts) == expected
