"""The backfill flow: read a range's archived reports again with today's reference data."""

from prefect import flow
from prefect.utilities.annotations import quote

from flows.ending import publish_run
from flows.pack import pack_helpers
from flows.run import recorded_run
from flows.settings import load_settings
from flows.tasks import (
    ingest_files,
    load_reference_data,
    read_files,
    restate_files,
    select_archived_files,
)


@flow(name="backfill", log_prints=True)
def backfill(period_from: str, period_to: str, data_dir: str | None = None,
             strict: bool | None = None, rerun_of: str | None = None) -> dict:
    """Select archived files -> read -> validate with today's reference -> restate -> publish.

    Files whose period touches `period_from`..`period_to` are read again from the archive (an
    administrator may have fixed a unit since); their ledger decisions, values and findings are
    replaced, never added to. Files of other periods, files with no recognised period and new
    inbox files are left as they are (the nightly run takes the inbox). `strict` and
    `rerun_of` as in the nightly flow.
    """
    settings = load_settings(data_dir=data_dir, strict=strict)
    parameters = {"period_from": period_from, "period_to": period_to, "data_dir": data_dir,
                  "strict": settings.strict}
    with recorded_run(settings, "backfill", parameters, rerun_of) as run_id:
        reference = load_reference_data(settings)
        chosen = select_archived_files(settings, period_from, period_to)
        with pack_helpers(settings, not chosen.new_files.is_empty()) as helpers:
            read = read_files(chosen.to_read, settings.workers, settings.read_limits())
            ingested = ingest_files(read, reference, settings.strict,
                                    settings.max_findings_per_file)
            counts = restate_files(settings, quote(chosen), ingested, reference, run_id)
            return publish_run(settings, run_id, counts, helpers)
