"""The benchmark inbox: template-shaped .xlsx, one per district-era ward and quarter, cached.

Every district-era ward of Vietnam (warehouse.reference.load_units('all'), valid on 2024-03-31:
10,603 wards) or the first N of them by code, each reporting one or more
quarters of 2024 through the sample generator (warehouse/sample_inbox.py) with the full
indicator catalog. All files are the Excel template: the floor, the pipeline and the peer read
exactly the same bytes. Generation runs on 2 processes and is cached under bench/out/ keyed by
size, so re-runs skip it.
"""

import hashlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import polars as pl

from transforms.periods import quarter_range
from warehouse import reference
from warehouse.sample_inbox import district_era_wards, plan_inbox, write_inbox

OUT_DIR = Path(__file__).parent / "out"
FIRST_QUARTER = "2024-Q1"  # district era: rolls up through districts (valid to 2025-06-30)
MARKER = ".complete"


@dataclass(frozen=True)
class Size:
    """How many wards (None = every district-era ward) and how many quarters."""

    wards: int | None
    quarters: int = 1

    @classmethod
    def parse(cls, text: str) -> "Size":
        """`1000`, `3k`, `all`, `allx4`, `10000x4`."""
        head, _, tail = text.lower().partition("x")
        wards = None if head == "all" else int(float(head.rstrip("k")) * (1000 if
                                                   head.endswith("k") else 1))
        return cls(wards, int(tail) if tail else 1)

    @property
    def label(self) -> str:
        return f"{'all' if self.wards is None else self.wards}x{self.quarters}"


def benchmark_wards(size: Size) -> pl.DataFrame:
    """ward_code, ward_name, district_code, district_name, is_rural: the first N by code."""
    wards = district_era_wards(province_code=reference.ALL_PROVINCES, on=date(2024, 3, 31))
    return wards if size.wards is None else wards.head(size.wards)


def _write_chunk(args: tuple[str, list, pl.DataFrame]) -> int:
    inbox, planned, indicators = args
    return write_inbox(Path(inbox), planned, indicators)


def ensure_inbox(size: Size, workers: int = 2, out_dir: Path = OUT_DIR) -> tuple[Path, int]:
    """The cached inbox for `size` (generated on `workers` processes when missing).

    Returns (inbox folder, number of files).
    """
    # keyed by the reference data too: files planned on another hierarchy would be rejected
    units = hashlib.sha256((reference.reference_dir() / "units.csv").read_bytes()).hexdigest()
    inbox = out_dir / f"inbox-{size.label}-{units[:8]}"
    marker = inbox / MARKER
    if marker.exists():
        return inbox, int(marker.read_text())
    quarters = quarter_range(FIRST_QUARTER, _nth_quarter(FIRST_QUARTER, size.quarters))
    planned = plan_inbox(benchmark_wards(size), quarters, seed=2024, special_cases=False)
    # All files as the Excel template (the generator plants some CSV/JSON by default).
    planned = [replace(f, file_format="xlsx",
                       relative_path=os.path.splitext(f.relative_path)[0] + ".xlsx")
               for f in planned]
    indicators = reference.load_indicators()
    chunks = [planned[i::workers] for i in range(workers)]
    if workers > 1:
        # spawn, not fork: a forked child of a process whose Polars thread pool is running
        # can deadlock on a lock held by one of those threads.
        with ProcessPoolExecutor(max_workers=workers,
                                 mp_context=multiprocessing.get_context("spawn")) as pool:
            written = sum(pool.map(_write_chunk, [(str(inbox), c, indicators) for c in chunks]))
    else:
        written = _write_chunk((str(inbox), planned, indicators))
    marker.write_text(str(written))
    return inbox, written


def inbox_files(inbox: Path) -> list[Path]:
    """The generated workbooks, sorted (the marker file excluded)."""
    return sorted(inbox.rglob("*.xlsx"))


def _nth_quarter(first: str, count: int) -> str:
    year, quarter = int(first[:4]), int(first[-1])
    index = year * 4 + quarter - 1 + count - 1
    return f"{index // 4}-Q{index % 4 + 1}"
