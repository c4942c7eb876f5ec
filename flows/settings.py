"""Run settings: a frozen dataclass read from `MTTQ_*` environment variables, with defaults."""

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Where things live and how a run behaves.

    `data_dir` holds inbox/, archive/, warehouse/, parquet/, reports/ (SPEC §7).
    """

    data_dir: Path = Path("data")
    inbox: Path | None = None  # default: data_dir / "inbox"
    province_code: str | None = None  # default: warehouse/reference/settings.yaml
    strict: bool = False  # reject a whole file on any bad value
    workers: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))
    lock_timeout_s: float = 30.0
    # Where reading batches run: "local" (processes on this machine) or "dask" (prefect-dask's
    # DaskTaskRunner: the cluster at `dask_address`, or a local cluster of `workers` when empty).
    task_runner: str = "local"
    dask_address: str = ""
    # The nightly run writes the conference pack of the units whose data changed (flows/pack.py);
    # MTTQ_REPORTS=off leaves it to `mttq report` (e.g. a national run: ~700 districts).
    write_reports: bool = True
    # What one inbox file may cost (issue 12): bigger files are archived and rejected unread.
    max_file_mb: float = 20.0  # MTTQ_MAX_FILE_MB
    max_unpacked_mb: float = 50.0  # MTTQ_MAX_UNPACKED_MB: a zipped workbook's declared size
    max_compression_ratio: float = 100.0  # MTTQ_MAX_COMPRESSION_RATIO (members over 1 MiB)
    max_rows: int = 5000  # MTTQ_MAX_ROWS: sheet rows, CSV lines, JSON values per file
    max_findings_per_file: int = 50  # MTTQ_MAX_FINDINGS_PER_FILE: the rest as one summary
    # Files a run creates are owner-only (folders 0700, files 0600): MTTQ_UMASK=027 lets a
    # group (the analysts' accounts) read them.
    umask: int = 0o077

    def read_limits(self):
        """The readers' limits (warehouse.readers.ReadLimits), imported here only when used."""
        from warehouse.readers import MIB, ReadLimits

        return ReadLimits(max_file_bytes=int(self.max_file_mb * MIB),
                          max_unpacked_bytes=int(self.max_unpacked_mb * MIB),
                          max_compression_ratio=self.max_compression_ratio,
                          max_rows=self.max_rows)

    @property
    def inbox_dir(self) -> Path:
        return self.inbox or self.data_dir / "inbox"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def state_db(self) -> Path:
        """The writer's private working database: the ledger, parsed values, run history."""
        return self.warehouse_dir / "state.duckdb"

    @property
    def published_db(self) -> Path:
        """The analysts' database, replaced whole and atomically by each run."""
        return self.warehouse_dir / "mttq.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.data_dir / "parquet"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def lock_file(self) -> Path:
        return self.warehouse_dir / "mttq.lock"

    def with_overrides(self, **changes: object) -> "Settings":
        """A copy with the given non-None fields replaced."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def load_settings(**overrides: object) -> Settings:
    """Settings from `MTTQ_*` environment variables, then explicit overrides (e.g. CLI flags)."""
    env = os.environ
    settings = Settings(
        data_dir=Path(env.get("MTTQ_DATA_DIR", "data")),
        inbox=Path(env["MTTQ_INBOX"]) if env.get("MTTQ_INBOX") else None,
        province_code=env.get("MTTQ_PROVINCE") or None,
        strict=_env_bool("MTTQ_STRICT", False),
        workers=int(env.get("MTTQ_WORKERS", max(1, os.cpu_count() or 1))),
        lock_timeout_s=float(env.get("MTTQ_LOCK_TIMEOUT", 30)),
        task_runner=(env.get("MTTQ_TASK_RUNNER") or "local").strip().lower(),
        dask_address=env.get("MTTQ_DASK_ADDRESS", "").strip(),
        write_reports=_env_bool("MTTQ_REPORTS", True),
        max_file_mb=float(env.get("MTTQ_MAX_FILE_MB", 20)),
        max_unpacked_mb=float(env.get("MTTQ_MAX_UNPACKED_MB", 50)),
        max_compression_ratio=float(env.get("MTTQ_MAX_COMPRESSION_RATIO", 100)),
        max_rows=int(env.get("MTTQ_MAX_ROWS", 5000)),
        max_findings_per_file=int(env.get("MTTQ_MAX_FINDINGS_PER_FILE", 50)),
        umask=int(env.get("MTTQ_UMASK", "077"), 8),
    )
    overrides = {k: Path(v) if k in {"data_dir", "inbox"} and v is not None else v
                 for k, v in overrides.items()}
    return settings.with_overrides(**overrides)
