"""Canonical reporting periods: ids, their dates, and which quarters they cover.

Ids: `2021-Q3` (a quarter), `2022-H1` / `2022-H2` (half-years), `2021-9M` (nine months) and
`2021-Y` (the year). H1, 9M and Y are cumulative from 1 January (lũy kế); H2 is Q3+Q4.
"""

import re
from datetime import date, timedelta

import polars as pl

PERIOD_ID = re.compile(r"^(?P<year>\d{4})-(?P<kind>Q[1-4]|H1|H2|9M|Y)$")

# kind -> the quarters it covers, in order
QUARTERS_OF_KIND = {
    "Q1": (1,),
    "Q2": (2,),
    "Q3": (3,),
    "Q4": (4,),
    "H1": (1, 2),
    "H2": (3, 4),
    "9M": (1, 2, 3),
    "Y": (1, 2, 3, 4),
}
CUMULATIVE_KINDS = ("H1", "H2", "9M", "Y")


def is_period_id(text: str) -> bool:
    """True when `text` is a canonical period id such as `2021-Q3`."""
    return bool(PERIOD_ID.match(text))


def split_period(period: str) -> tuple[int, str]:
    """`2021-Q3` -> (2021, "Q3"). Raises ValueError on anything else."""
    match = PERIOD_ID.match(period)
    if not match:
        raise ValueError(f"not a period id: {period!r}")
    return int(match["year"]), match["kind"]


def period_kind(period: str) -> str:
    """`quarter` or the cumulative kind (`H1`, `H2`, `9M`, `Y`)."""
    kind = split_period(period)[1]
    return "quarter" if kind.startswith("Q") else kind


def quarters_of(period: str) -> list[str]:
    """The quarter ids a period covers: `2021-9M` -> [2021-Q1, 2021-Q2, 2021-Q3]."""
    year, kind = split_period(period)
    return [f"{year}-Q{q}" for q in QUARTERS_OF_KIND[kind]]


def quarters_to(period: str) -> list[str]:
    """The quarters of the period's year up to its last: `2022-Q3` and `2022-9M` ->
    [2022-Q1, 2022-Q2, 2022-Q3]. The year's trend as it stood when the period closed: a Q1
    pack written in December shows no later quarter (the same file whenever it is written,
    and a Q3 resubmission does not rewrite the packs of Q1, Q2 and H1)."""
    return quarter_range(f"{split_period(period)[0]}-Q1", quarters_of(period)[-1])


def quarters_span_label(period: str) -> str:
    """The quarters `quarters_to` gives, in words: `2022-Q3` -> `từ quý I đến quý III năm
    2022`, `2022-Q1` -> `quý I năm 2022` (a chart's title says what it shows)."""
    year, last = split_period(period)[0], int(quarters_of(period)[-1][-1])
    if last == 1:
        return f"quý I năm {year}"
    return f"từ quý I đến quý {ROMAN_QUARTERS[last]} năm {year}"


def period_start(period: str) -> date:
    year, kind = split_period(period)
    return date(year, 3 * QUARTERS_OF_KIND[kind][0] - 2, 1)


def period_end(period: str) -> date:
    """Last day of the period: the date whose hierarchy the period rolls up through."""
    year, kind = split_period(period)
    last_month = 3 * QUARTERS_OF_KIND[kind][-1]
    first_of_next = date(year + last_month // 12, last_month % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def periods_of_year(year: int) -> list[str]:
    """Every period id of a year, quarters first: the rows the summaries carry."""
    return [f"{year}-{kind}" for kind in QUARTERS_OF_KIND]


def quarter_range(first: str, last: str) -> list[str]:
    """Quarters from `first` to `last` inclusive: `2021-Q3`..`2022-Q1`."""
    (y1, k1), (y2, k2) = split_period(first), split_period(last)
    if not (k1.startswith("Q") and k2.startswith("Q")):
        raise ValueError("a range is given by two quarters, e.g. 2021-Q1 .. 2022-Q4")
    index = lambda y, k: y * 4 + int(k[1]) - 1  # noqa: E731
    return [f"{i // 4}-Q{i % 4 + 1}" for i in range(index(y1, k1), index(y2, k2) + 1)]


def period_sort_key(period: str) -> tuple[int, int, int]:
    """Order periods by year, then by end quarter, quarters before the cumulative ones."""
    year, kind = split_period(period)
    quarters = QUARTERS_OF_KIND[kind]
    return year, quarters[-1], len(quarters)


ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}


def period_label(period: str) -> str:
    """How a report names the period in Vietnamese: `2021-Q3` -> `Quý III/2021`."""
    year, kind = split_period(period)
    if kind.startswith("Q"):
        return f"Quý {ROMAN_QUARTERS[int(kind[1])]}/{year}"
    return {
        "H1": f"6 tháng đầu năm {year}",
        "H2": f"6 tháng cuối năm {year}",
        "9M": f"9 tháng năm {year}",
        "Y": f"Năm {year}",
    }[kind]


def periods_touching(first: str, last: str) -> list[str]:
    """Every period id with a quarter in `first`..`last` (quarters, or any period id: a range
    given as `2021-Y` starts at its first quarter and ends at its last)."""
    quarters = set(quarter_range(quarters_of(first)[0], quarters_of(last)[-1]))
    if not quarters:
        raise ValueError(f"khoảng kỳ trống / empty range: {first} .. {last}")
    years = sorted({int(q[:4]) for q in quarters})
    return [p for year in years for p in periods_of_year(year)
            if quarters & set(quarters_of(p))]


# The order reports list the periods of a year in: each quarter, then the cumulative period
# that ends with it (Q1, Q2, H1, Q3, 9M, Q4, H2, Y).
REPORTING_ORDER = ("Q1", "Q2", "H1", "Q3", "9M", "Q4", "H2", "Y")


def period_order(period: str) -> int:
    """A sortable number for a period: year × 10 + its place in REPORTING_ORDER (1..8).

    `2021-Q3` -> 20214, `2021-9M` -> 20215: `order by period_order` gives reporting order,
    which neither the text (`2021-9M` < `2021-H1` < `2021-Q1`) nor `period_start` gives.
    """
    year, kind = split_period(period)
    return year * 10 + REPORTING_ORDER.index(kind) + 1


def with_period_order(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with period_start (Date) and period_order (Int32) after its columns, from its
    `period` column; both null where the period is not a period id (a rejected file's)."""
    ids = [p for p in frame["period"].unique().to_list() if p is not None and is_period_id(p)]
    orders = pl.DataFrame(
        {"period": ids, "period_start": [period_start(p) for p in ids],
         "period_order": [period_order(p) for p in ids]},
        schema={"period": pl.String, "period_start": pl.Date, "period_order": pl.Int32},
    )
    return frame.join(orders, on="period", how="left", maintain_order="left")
