"""How every run that changed the state ends: publish, rewrite the changed packs, record.

Shared by the nightly and the backfill flows (orchestration only).
"""

from prefect.utilities.annotations import quote

from flows.pack import publish_run_artifacts, write_changed_packs
from flows.settings import Settings
from flows.tasks import publish_outputs
from warehouse.pack_helpers import PackHelpers


def publish_run(settings: Settings, run_id: str, counts: dict, helpers: PackHelpers) -> dict:
    """Publish the run's outputs, write the pack of every period whose values changed (on
    `helpers`), record the run's Prefect artifacts; returns the run's result."""
    published = publish_outputs(settings, run_id, counts)
    packs = write_changed_packs(settings, quote(helpers))
    result = {"run_id": run_id, **counts, **published, **packs}
    publish_run_artifacts(settings, result)
    return result
