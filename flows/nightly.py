"""The nightly flow: ingest the ward reports that arrived, roll them up, publish."""

from prefect import flow
from prefect.utilities.annotations import quote

from flows.ending import publish_run
from flows.pack import pack_helpers
from flows.run import recorded_run
from flows.settings import load_settings
from flows.tasks import (
    counts_if_up_to_date,
    ingest_files,
    load_reference_data,
    read_files,
    scan_inbox,
    update_state,
)


# Prefect's default task runner; the command line picks MTTQ_TASK_RUNNER's when it calls the
# flow (`nightly.with_options(task_runner=...)`, flows/cli.py).
@flow(name="nightly", log_prints=True)
def nightly(inbox: str | None = None, data_dir: str | None = None, strict: bool | None = None,
            force: bool = False, rerun_of: str | None = None) -> dict:
    """Discover -> read -> standardize/validate -> match wards -> roll up -> publish.

    Args:
        inbox: folder of ward files (default `<data_dir>/inbox`).
        data_dir: where archive/, warehouse/, parquet/ live (default `MTTQ_DATA_DIR` or data/).
        strict: reject a whole file on any bad value instead of dropping the value (None:
            MTTQ_STRICT, else False); ops.runs records the value the run used.
        force: recompute outputs even when nothing is new.
        rerun_of: the run this one repeats (`mttq rerun`), recorded in ops.runs.
    """
    settings = load_settings(inbox=inbox, data_dir=data_dir, strict=strict)
    parameters = {"inbox": inbox, "data_dir": data_dir, "strict": settings.strict,
                  "force": force}
    with recorded_run(settings, "nightly", parameters, rerun_of) as run_id:
        reference = load_reference_data(settings)
        scan = scan_inbox(settings)
        # quoted: Prefect would otherwise walk the scan's list of every file (~2 s at 10k)
        counts = counts_if_up_to_date(settings, quote(scan), reference, force)
        with pack_helpers(settings, counts is None) as helpers:
            if counts is None:  # a night with nothing new skips these three steps
                read = read_files(scan.to_read, settings.workers, settings.read_limits())
                ingested = ingest_files(read, reference, settings.strict,
                                        settings.max_findings_per_file)
                counts = update_state(settings, quote(scan), ingested, reference, run_id)
            return publish_run(settings, run_id, counts, helpers)
