"""Prefect tasks: thin wrappers that connect the IO modules and the pure transforms.

Tasks take and return paths and frames; none caches (inputs are large frames and the state
lives in DuckDB). Only IO tasks retry, and only on OS-level errors: a data error is never
retried.
"""

import errno
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

import polars as pl
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.utilities.annotations import quote

from flows.settings import Settings
from transforms.ingest import Ingested, ingest
from transforms.ledger import (
    Merged,
    classify_inbox,
    ledger_counts,
    merge_new_files,
    merge_reread_files,
    status_changes,
)
from transforms.outputs import build_outputs
from transforms.periods import period_sort_key, periods_touching
from transforms.schema import Reference
from warehouse import db, inbox, readers, reference, state
from warehouse.publish import (
    PARQUET_TABLES,
    parquet_version,
    publish_duckdb,
    swap_parquet,
    write_parquet_tables,
)

BATCH_SIZE = 250  # files per batch at most: amortises process hand-off, keeps workers balanced


# Not transient: retrying cannot make a missing folder appear or a permission be granted.
PERMANENT_OS_ERRORS = (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError)


def retry_on_os_error(task, task_run, state_) -> bool:
    """Retry only transient IO failures (disk full, network share hiccup), never data errors."""
    try:
        state_.result()
    except PERMANENT_OS_ERRORS:
        return False
    except OSError:
        return True
    except Exception:  # noqa: BLE001
        return False
    return False


step = task(cache_policy=NO_CACHE)
io_step = task(cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[2, 10],
               retry_condition_fn=retry_on_os_error)


@dataclass
class InboxScan:
    """What the inbox holds and what is new in it."""

    files_seen: int
    new_files: pl.DataFrame  # classify_inbox output
    # (hash, path) to read; (hash, inbox path, archive path) when the reader must also archive
    to_read: list[tuple[str, ...]] = field(default_factory=list)


@step
def load_reference_data(settings: Settings) -> Reference:
    """Units, clusters, indicators, rules and the deadline, for the configured province."""
    return Reference(
        units=reference.load_units(settings.province_code),
        crosswalk=reference.load_crosswalk(settings.province_code),
        clusters=reference.load_clusters(),
        indicators=reference.load_indicators(),
        rules=reference.load_rules(),
        deadline_days=int(reference.load_settings().get("deadline_days", 10)),
    )


@io_step
def scan_inbox(settings: Settings) -> InboxScan:
    """Find every inbox file and hash it; say which are new and must be read (and archived:
    the readers keep the copy as they read each file, on every worker at once)."""
    logger = get_run_logger()
    if not settings.inbox_dir.is_dir():
        raise FileNotFoundError(errno.ENOENT, "không thấy thư mục hộp thư / inbox folder not "
                                "found", str(settings.inbox_dir))
    orphans = inbox.remove_orphan_temporaries(settings.archive_dir)  # of killed runs
    with db.connect(settings.state_db) as con:
        # unchanged files (same size, times and inode as last night) are not hashed again
        scanned_at_ns, last_scan = time.time_ns(), state.inbox_index(con)
        found = inbox.with_hashes(inbox.discover(settings.inbox_dir), last_scan)
        index = inbox.scan_index(found, scanned_at_ns)
        if index != last_scan:  # written only when something changed
            state.save_inbox_index(con, index)
        known = state.known_files(con)
    new_files = classify_inbox(inbox.listing_frame(found), known)
    by_path = {f.relative_path: f for f in found}
    archive_dir = settings.archive_dir
    to_read = []
    for file_hash, path in new_files.filter(pl.col("duplicate_of").is_null()).select(
            "file_hash", "original_path").iter_rows():
        entry, archived = by_path[path], inbox.archive_path(archive_dir, file_hash,
                                                            Path(path).suffix)
        if entry.is_placeholder:  # a link, a special or unreadable file: its description
            inbox.keep_copy(inbox.placeholder_bytes(entry), file_hash, archived)
        to_read.append((file_hash, entry.path, "" if entry.is_placeholder else str(archived),
                        entry.problem, entry.problem_text))
    files, new, reading = len(found), new_files.height, len(to_read)
    logger.info(f"Hộp thư: {files} tệp, {new} tệp mới ({reading} cần đọc); xóa {orphans} tệp "
                f"tạm bỏ dở trong kho lưu trữ / Inbox: {files} files, {new} new ({reading} to "
                f"read); {orphans} orphan archive temporaries removed")
    return InboxScan(len(found), new_files, to_read)


def read_files(items: list[tuple[str, ...]], workers: int,
               limits: readers.ReadLimits = readers.DEFAULT_LIMITS
               ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read new files in batches: one task per batch at most, never a task per file.

    With the default task runner the batches run in one task on `workers` local processes; when
    the flow runs on a distributed task runner (MTTQ_TASK_RUNNER=dask: prefect-dask's
    DaskTaskRunner) each batch is a task submitted to the cluster. A plain function, not a
    task: it hands the file list to its tasks `quote`d, so Prefect does not walk every
    (hash, path) tuple twice per task (~0.1 ms per file, seconds at national scale).
    """
    runner = _distributed_task_runner()
    if runner is None:
        return read_files_locally(quote(items), workers, limits)
    size = batch_size(len(items), 2 * max(workers, 1))
    with _api_url_for_workers():
        futures = [read_batch.submit(items[i:i + size], limits)
                   for i in range(0, len(items), size)]
    return readers.concat_frames([future.result() for future in futures])


@contextmanager
def _api_url_for_workers() -> Iterator[None]:
    """Remote task runs report to the flow's Prefect API: give them its address.

    A temporary server's address lives only in the flow's client, not in the settings that
    travel with each submitted task; without it every Dask worker would start a server of its
    own. (A real cluster needs a real server: PREFECT_API_URL, see README.)
    """
    context = FlowRunContext.get()
    if PREFECT_API_URL.value() or context is None:
        yield
        return
    with temporary_settings(updates={PREFECT_API_URL: str(context.client.api_url)}):
        yield


def task_runner_for(settings: Settings) -> TaskRunner:
    """The task runner the settings choose: configuration, not code (MTTQ_TASK_RUNNER).

    "local" (default): Prefect's thread pool; reading fans out to local processes itself.
    "dask": prefect-dask's DaskTaskRunner, reading batches run on the Dask cluster at
    MTTQ_DASK_ADDRESS (tcp://scheduler:8786), or on a local cluster of `workers` processes.
    """
    if settings.task_runner in ("", "local"):
        return ThreadPoolTaskRunner()
    if settings.task_runner != "dask":
        raise ValueError(f"MTTQ_TASK_RUNNER must be 'local' or 'dask', not "
                         f"{settings.task_runner!r}")
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as missing:
        raise RuntimeError("MTTQ_TASK_RUNNER=dask needs prefect-dask: "
                           "pip install -e '.[bench]'") from missing
    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": settings.workers,
                                          "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": None})


def batch_size(files: int, parts: int) -> int:
    """BATCH_SIZE, smaller when there are few files so that every worker gets some."""
    return max(1, min(BATCH_SIZE, -(-files // max(parts, 1))))


def _distributed_task_runner() -> TaskRunner | None:
    """The flow run's task runner when it is not the default local thread pool."""
    context = FlowRunContext.get()
    runner = context.task_runner if context else None
    return None if runner is None or isinstance(runner, ThreadPoolTaskRunner) else runner


@io_step(name="read_files")
def read_files_locally(items: list[tuple[str, ...]], workers: int,
                       limits: readers.ReadLimits = readers.DEFAULT_LIMITS
                       ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Read on `workers` local processes, batch by batch.

    The pool forks: its workers run only the readers (fastexcel, no Polars, whose thread pool
    does not survive a fork); frames are built here as the batches come back.
    """
    size = batch_size(len(items), 4 * max(workers, 1))
    batches = [items[i:i + size] for i in range(0, len(items), size)]
    if workers > 1 and len(batches) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            frames = [readers.frames_from_batches([result])
                      for result in pool.map(partial(readers.read_batch, limits=limits),
                                             batches)]
    else:
        frames = [readers.frames_from_batches([readers.read_batch(batch, limits)])
                  for batch in batches]
    return readers.concat_frames(frames)


@io_step
def read_batch(items: list[tuple[str, ...]],
               limits: readers.ReadLimits = readers.DEFAULT_LIMITS
               ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One batch of files as (files, cells) frames, on whichever worker the runner picks."""
    return readers.frames_from_batches([readers.read_batch(items, limits)])


@step
def ingest_files(read: tuple[pl.DataFrame, pl.DataFrame], reference_data: Reference,
                 strict: bool, max_findings_per_file: int | None = None) -> Ingested:
    """Parse, check and identify: each file accepted, accepted with errors, or rejected."""
    files, cells = read
    return ingest(files, cells, reference_data.units, reference_data.indicators, strict,
                  max_findings_per_file)


@step
def counts_if_up_to_date(settings: Settings, scan: InboxScan, reference_data: Reference,
                         force: bool = False) -> dict | None:
    """The run's counts when there is nothing to do: no new file, the reference data as the
    outputs were computed with, and not forced (backfill). None when the outputs must be
    recomputed; the night then reads, ingests and updates the state."""
    with db.connect(settings.state_db) as con:
        unchanged = (db.get_meta(con, "reference_fingerprint")
                     == state.reference_fingerprint(reference_data))
        if not scan.new_files.is_empty() or not unchanged or force or state.data_version(con) == 0:
            return None
        get_run_logger().info("Không có gì mới từ lần chạy trước: số liệu đã cập nhật / "
                              "Nothing new since the last run: outputs are up to date.")
        return ledger_counts(state.ledger(con), scan.files_seen, 0, pl.DataFrame())


@step
def update_state(settings: Settings, scan: InboxScan, ingested: Ingested,
                 reference_data: Reference, run_id: str) -> dict:
    """Commit the run's files, values, findings and recomputed outputs in one transaction."""
    logger = get_run_logger()
    with db.connect(settings.state_db) as con:
        merged = merge_new_files(state.ledger(con), state.clean_values(con),
                                 state.ingest_findings(con), scan.new_files, ingested,
                                 datetime.now(), run_id)
        version = _commit(con, merged, ingested, reference_data)
        logger.info(f"Đã cập nhật dữ liệu lên phiên bản {version} / State updated to data "
                    f"version {version}")
        return ledger_counts(merged.ledger, scan.files_seen, scan.new_files.height,
                             merged.added_files)


def _commit(con, merged: Merged, ingested: Ingested, reference_data: Reference,
            reread_hashes: list[str] | None = None) -> int:
    outputs = build_outputs(merged.ledger, merged.values, merged.findings, reference_data)
    return state.commit_run(
        con,
        new_files=merged.added_files,
        new_values=ingested.values,
        new_findings=merged.added_findings,
        statuses=merged.ledger.select("file_hash", "original_path", "status", "superseded_by"),
        outputs=outputs,
        reference=reference_data,
        reread_hashes=reread_hashes,
    )


@io_step
def publish_outputs(settings: Settings, run_id: str, counts: dict) -> dict:
    """Refresh the Parquet partitions that changed, then swap in the analysts' DuckDB file.

    The run is marked completed in the file being published, and in the state database only
    once that file is in place: a run killed before the swap stays `running` there, and the
    next run records it as interrupted and completes the publishing.
    """
    logger = get_run_logger()
    with db.connect(settings.state_db) as con, ThreadPoolExecutor(1) as parquet_writer:
        version = state.data_version(con)
        parquet = None
        if parquet_version(settings.parquet_dir) != str(version):
            # written while the DuckDB file is built (both release the GIL): 0.3-0.5 s at 10k
            frames = {table: db.read(con, table) for table in PARQUET_TABLES}
            parquet = parquet_writer.submit(write_parquet_tables, frames, settings.parquet_dir,
                                            version)
        db.set_meta(con, "published_at", datetime.now().isoformat(timespec="seconds"))
        ended_at = datetime.now()
        publish_duckdb(con, settings.published_db,
                       completed_run={"run_id": run_id, "counts": counts, "ended_at": ended_at},
                       before_swap=parquet.result if parquet else None)
        if parquet:  # right after the DuckDB file: one version for both (warehouse/publish.py)
            swap_parquet(settings.parquet_dir, parquet.result())
        state.finish_run(con, run_id, "completed", counts, ended_at=ended_at)
        periods = sorted((row[0] for row in con.execute(  # periods that have values
            "select distinct period from mart.city_summary where value is not null"
        ).fetchall()), key=period_sort_key)
    duckdb_file, parquet = settings.published_db, settings.parquet_dir
    logger.info(f"Đã công bố {duckdb_file} (phiên bản dữ liệu {version}) và {parquet} / "
                f"Published {duckdb_file} (data version {version}) and {parquet}")
    return {"data_version": version, "periods": periods,
            "duckdb": str(settings.published_db), "parquet": str(settings.parquet_dir)}


# --- backfill ------------------------------------------------------------------------------

@step
def select_archived_files(settings: Settings, period_from: str, period_to: str) -> InboxScan:
    """The archived files whose period touches the range: what a backfill reads again."""
    periods = periods_touching(period_from, period_to)
    with db.connect(settings.state_db) as con:
        chosen = state.archived_files(con, periods)
    to_read = []
    for file_hash, original_path in chosen.iter_rows():
        archived = inbox.archive_path(settings.archive_dir, file_hash,
                                      Path(original_path).suffix)
        if not archived.is_file():
            raise FileNotFoundError(errno.ENOENT, f"thiếu bản lưu trữ của {original_path} / "
                                    f"archived copy missing for {original_path}", str(archived))
        to_read.append((file_hash, str(archived)))
    span, count = f"{period_from}..{period_to}", len(to_read)
    get_run_logger().info(f"Tính lại {span}: đọc lại {count} tệp lưu trữ / Backfill {span}: "
                          f"{count} archived files to read again")
    return InboxScan(files_seen=len(to_read), new_files=chosen, to_read=to_read)


@step
def restate_files(settings: Settings, chosen: InboxScan, ingested: Ingested,
                  reference_data: Reference, run_id: str) -> dict:
    """Replace the re-read files' ledger decisions, values and findings and recompute the
    outputs, in one transaction: nothing is counted twice, and twice is the same as once."""
    hashes = chosen.new_files["file_hash"].to_list()
    with db.connect(settings.state_db) as con:
        before = state.ledger(con)
        merged = merge_reread_files(before, state.clean_values(con), state.ingest_findings(con),
                                    hashes, ingested)
        _commit(con, merged, ingested, reference_data, reread_hashes=hashes)
    reread = merged.added_files.filter(pl.col("ingest_status") != "duplicate")
    return {**ledger_counts(merged.ledger, chosen.files_seen, 0, reread),
            "files_changed": status_changes(before, merged.ledger)}
