"""The nightly flow: ingest the ward reports that arrived, roll them up, publish."""

from prefect import flow
from prefect.utilities.annotations import quote

from flows.pack import publish_run_artifacts, write_changed_packs
from flows.run import recorded_run
from flows.settings import load_settings
from flows.tasks import (
    ingest_files,
    load_reference_data,
    publish_outputs,
    read_files,
    scan_inbox,
    task_runner_for,
    update_state,
)


# The task runner comes from the settings (MTTQ_TASK_RUNNER): local processes or a Dask cluster.
@flow(name="nightly", log_prints=True, task_runner=task_runner_for(load_settings()))
def nightly(inbox: str | None = None, data_dir: str | None = None, strict: bool = False,
            force: bool = False) -> dict:
    """Discover -> read -> standardize/validate -> match wards -> roll up -> publish.

    Args:
        inbox: folder of ward files (default `<data_dir>/inbox`).
        data_dir: where archive/, warehouse/, parquet/ live (default `MTTQ_DATA_DIR` or data/).
        strict: reject a whole file on any bad value instead of dropping the value.
        force: recompute outputs even when nothing is new.
    """
    settings = load_settings(inbox=inbox, data_dir=data_dir, strict=strict or None)
    parameters = {"inbox": inbox, "data_dir": data_dir, "strict": strict, "force": force}
    with recorded_run(settings, "nightly", parameters) as run_id:
        reference = load_reference_data(settings)
        scan = scan_inbox(settings)
        read = read_files(scan.to_read, settings.workers, settings.read_limits())
        ingested = ingest_files(read, reference, settings.strict,
                                settings.max_findings_per_file)
        # quoted: Prefect would otherwise walk the scan's list of every file (~2 s at 10k)
        counts = update_state(settings, quote(scan), ingested, reference, run_id, force)
        published = publish_outputs(settings, run_id, counts)
        packs = write_changed_packs(settings)  # the periods whose values changed
        result = {"run_id": run_id, **counts, **published, **packs}
        publish_run_artifacts(settings, result)
        return result
