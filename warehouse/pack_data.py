"""What the conference pack reads from the published DuckDB file (read-only: never blocks a run).

One `PackData` per period: the period's mart rows, the same period of the previous year (for
the comparison sheet and the "so với cùng kỳ" sentences), the year's quarters at city level
(the trend chart), the ward values and the ward completeness of the period.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from transforms.pack import summary_lookup
from transforms.periods import period_sort_key, quarters_of, split_period

SUMMARY_TABLES = ("mart.district_summary", "mart.cluster_summary", "mart.city_summary")
# every table whose rows a period's pack shows: a change in any of them rewrites the pack
FINGERPRINT_TABLES = (*SUMMARY_TABLES, "mart.ward_completeness", "core.ward_values")


def previous_year(period: str) -> str:
    """`2022-Q3` -> `2021-Q3`: the "cùng kỳ" a report compares with."""
    year, kind = split_period(period)
    return f"{year - 1}-{kind}"


def periods_shown(period: str) -> list[str]:
    """Every period a pack of `period` shows: itself, the same period a year before, and the
    quarters of its year (the city's quarter trend)."""
    year = split_period(period)[0]
    return sorted({period, previous_year(period), *quarters_of(f"{year}-Y")}, key=period_sort_key)


@dataclass(frozen=True)
class PackData:
    """The frames one period's pack is made from (published tables, filtered)."""

    period: str
    indicators: pl.DataFrame  # core.indicators, in catalog order
    clusters: pl.DataFrame  # core.clusters
    district_summary: pl.DataFrame  # the period and the previous year's
    cluster_summary: pl.DataFrame  # the period
    city_summary: pl.DataFrame  # periods_shown(period)
    ward_values: pl.DataFrame  # core.ward_values of the period
    ward_completeness: pl.DataFrame  # mart.ward_completeness of the period
    findings: pl.DataFrame  # mart.findings of the period (dropped values are listed)
    lookups: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def previous(self) -> str:
        return previous_year(self.period)

    def lookup(self, level: str, period: str) -> dict[tuple[str, str], dict]:
        """(unit_code, indicator_code) -> summary row of `level` (district / cluster / city)
        for `period`, made once per pack."""
        key = (level, period)
        if key not in self.lookups:
            self.lookups[key] = summary_lookup(getattr(self, f"{level}_summary"), period)
        return self.lookups[key]


def _read(con: duckdb.DuckDBPyConnection, table: str, periods: list[str]) -> pl.DataFrame:
    return con.sql(f"select * from {table} where list_contains(?, period)",
                   params=[periods]).pl()


def load_pack_data(con: duckdb.DuckDBPyConnection, period: str) -> PackData:
    """The frames of one period's pack, from an open (read-only) connection."""
    both = [period, previous_year(period)]
    return PackData(
        period=period,
        indicators=con.sql("select * from core.indicators order by sort_order").pl(),
        clusters=con.sql("select * from core.clusters order by cluster_code, district_code").pl(),
        district_summary=_read(con, "mart.district_summary", both),
        cluster_summary=_read(con, "mart.cluster_summary", [period]),
        city_summary=_read(con, "mart.city_summary", periods_shown(period)),
        ward_values=_read(con, "core.ward_values", [period]),
        ward_completeness=_read(con, "mart.ward_completeness", [period]).sort(
            "district_code", "ward_order", nulls_last=True),
        findings=_read(con, "mart.findings", [period]),
    )


def connect_published(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the analysts' file (FileNotFoundError before the first run)."""
    if not path.is_file():
        raise FileNotFoundError(path)
    return duckdb.connect(str(path), read_only=True)


def published_periods(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every period the published file has ward completeness for, in reporting order."""
    rows = con.execute("select distinct period from mart.ward_completeness").fetchall()
    return sorted((period for (period,) in rows), key=period_sort_key)


def period_fingerprints(con: duckdb.DuckDBPyConnection, periods: list[str]) -> dict[str, str]:
    """A digest per pack period of every row its pack shows (periods_shown): equal digests,
    equal packs. DuckDB hashes the rows; only one number per table and period comes back."""
    shown = {period: periods_shown(period) for period in periods}
    wanted = sorted({p for ps in shown.values() for p in ps})
    per_table: dict[tuple[str, str], str] = {}
    for table in FINGERPRINT_TABLES:
        rows = con.execute(f"select period, bit_xor(hash(t)), count(*) from {table} t "
                           "where list_contains(?, period) group by period", [wanted]).fetchall()
        for period, digest, count in rows:
            per_table[(table, period)] = f"{digest}:{count}"
    result = {}
    for period, periods_of_pack in shown.items():
        digest = hashlib.sha256()
        for table in FINGERPRINT_TABLES:
            for p in periods_of_pack:
                digest.update(f"{table}|{p}|{per_table.get((table, p))};".encode())
        result[period] = digest.hexdigest()
    return result


def run_rejections(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """The files a run saw first and rejected, with their first error: file_name, finding_code,
    message_vi, message_en."""
    return con.sql(
        "select f.file_name, any_value(m.finding_code order by m.finding_code) as finding_code, "
        "any_value(m.message_vi order by m.finding_code) as message_vi, "
        "any_value(m.message_en order by m.finding_code) as message_en "
        "from raw.files f left join mart.findings m on m.file_hash = f.file_hash "
        "and m.severity = 'error' where f.run_id = ? and f.status = 'rejected' "
        "group by f.file_name order by f.file_name", params=[run_id]).pl()


def district_completeness(con: duckdb.DuckDBPyConnection, period: str) -> pl.DataFrame:
    """mart.completeness rows of the districts (or the city, after 2025-07-01) for a period."""
    return con.sql("select * from mart.completeness where period = ? and level <> 'cluster' "
                   "and wards_expected > 0 order by level = 'city', unit_code",
                   params=[period]).pl()
