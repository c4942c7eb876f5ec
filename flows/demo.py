"""The demo inbox: every Hà Nội ward of each quarter 2021-Q1 .. 2022-Q4 (579 wards, as the
hierarchy was then)."""

from pathlib import Path

from transforms.periods import quarter_range
from warehouse import reference
from warehouse.sample_inbox import plan_inbox_as_it_was, write_inbox

DEMO_QUARTERS = quarter_range("2021-Q1", "2022-Q4")


def make_demo_inbox(inbox: Path, seed: int = 2021, quarters: list[str] | None = None,
                    district_codes: list[str] | None = None) -> int:
    """Write the sample inbox unless it is already there (same seed, same files)."""
    if inbox.is_dir() and any(inbox.rglob("*.xlsx")):
        return sum(1 for p in inbox.rglob("*") if p.is_file())
    planned = plan_inbox_as_it_was(quarters or DEMO_QUARTERS, district_codes=district_codes,
                                   seed=seed)
    return write_inbox(inbox, planned, reference.load_indicators())
