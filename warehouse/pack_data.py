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
from transforms.periods import period_sort_key, quarters_to, split_period


def previous_year(period: str) -> str:
    """`2022-Q3` -> `2021-Q3`: the "cùng kỳ" a report compares with."""
    year, kind = split_period(period)
    return f"{year - 1}-{kind}"


def periods_shown(period: str) -> list[str]:
    """Every period a pack of `period` shows: itself, the same period a year before, and the
    quarters of its year up to its end (the city's quarter trend)."""
    return sorted({period, previous_year(period), *quarters_to(period)}, key=period_sort_key)


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
    return load_packs_data(con, [period])[period]


def load_packs_data(con: duckdb.DuckDBPyConnection, periods: list[str]) -> dict[str, PackData]:
    """The PackData of several periods, read with one query per table (a night that rewrites
    four periods reads the file once, not four times)."""
    shown = sorted({p for period in periods for p in periods_shown(period)})
    indicators = con.sql("select * from core.indicators order by sort_order").pl()
    clusters = con.sql("select * from core.clusters order by cluster_code, district_code").pl()
    tables = {name: _read(con, name, shown if name == "mart.city_summary" else
                          sorted({p for period in periods
                                  for p in (period, previous_year(period))})
                          if name == "mart.district_summary" else list(periods))
              for name in ("mart.district_summary", "mart.cluster_summary", "mart.city_summary",
                           "core.ward_values", "mart.ward_completeness", "mart.findings")}
    of = lambda name, wanted: tables[name].filter(  # noqa: E731
        pl.col("period").is_in(list(wanted)))
    return {period: PackData(
        period=period,
        indicators=indicators,
        clusters=clusters,
        district_summary=of("mart.district_summary", (period, previous_year(period))),
        cluster_summary=of("mart.cluster_summary", (period,)),
        city_summary=of("mart.city_summary", periods_shown(period)),
        ward_values=of("core.ward_values", (period,)),
        ward_completeness=of("mart.ward_completeness", (period,)).sort(
            "district_code", "ward_order", nulls_last=True),
        findings=of("mart.findings", (period,)),
    ) for period in periods}


class PublishedFileChanged(RuntimeError):
    """The published file was replaced while its pack was being written."""


def file_version(published: Path) -> tuple:
    """What tells one published file from the next: its path, modification time and size."""
    found = published.stat()
    return str(published), found.st_mtime_ns, found.st_size


def connect_published(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the analysts' file (FileNotFoundError before the first run)."""
    if not path.is_file():
        raise FileNotFoundError(path)
    return duckdb.connect(str(path), read_only=True)


def published_periods(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every period the published file has ward completeness for, in reporting order."""
    rows = con.execute("select distinct period from mart.ward_completeness").fetchall()
    return sorted((period for (period,) in rows), key=period_sort_key)


def periods_with_reports(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The published periods for which at least one ward's figure is whole: a pack of a period
    nobody reported would be a page of blanks."""
    rows = con.execute("select period from mart.ward_completeness group by period "
                       "having bool_or(is_received)").fetchall()
    return sorted((period for (period,) in rows), key=period_sort_key)


# What each pack shows, as (table, query): one digest per period and district (or, for a
# ward under the province directly, district null) and province. A district's pack changes only
# when one of its own rows does; the city's when any of its province's rows does.
_PER_DISTRICT = (
    ("mart.ward_completeness",
     "select period, district_code, province_code, bit_xor(hash(t)), count(*) "
     "from mart.ward_completeness t where list_contains(?, period) group by all"),
    ("core.ward_values",
     "select v.period, w.district_code, w.province_code, bit_xor(hash(v)), count(*) "
     "from core.ward_values v join mart.ward_completeness w using (period, ward_code) "
     "where list_contains(?, v.period) group by all"),
    ("mart.findings",
     "select f.period, w.district_code, w.province_code, bit_xor(hash(f)), count(*) "
     "from mart.findings f join mart.ward_completeness w "
     "on f.period = w.period and f.file_hash = w.file_hash "
     "where starts_with(f.finding_code, 'V_') and list_contains(?, f.period) group by all"),
)
_PER_UNIT = (
    ("mart.district_summary",
     "select period, unit_code, bit_xor(hash(t)), count(*) from mart.district_summary t "
     "where list_contains(?, period) group by all"),
    ("mart.city_summary",
     "select period, unit_code, bit_xor(hash(t)), count(*) from mart.city_summary t "
     "where list_contains(?, period) group by all"),
    ("mart.cluster_summary",
     "select period, 'all', bit_xor(hash(t)), count(*) from mart.cluster_summary t "
     "where list_contains(?, period) group by all"),
)
_GLOBAL = ("select bit_xor(hash(t)), count(*) from core.indicators t",
           "select bit_xor(hash(t)), count(*) from core.clusters t")


def unit_fingerprints(con: duckdb.DuckDBPyConnection, periods: list[str]
                      ) -> dict[str, dict[str, str]]:
    """period -> unit code (each district, each province, that some ward of it reported to)
    -> a digest of every row its pack shows: equal digests, equal files. DuckDB hashes the
    rows; a few numbers come back."""
    wanted = sorted({p for period in periods for p in periods_shown(period)})
    shared = "|".join(str(con.execute(sql).fetchone()) for sql in _GLOBAL)
    rows: dict[tuple[str, str | None], list[str]] = {}  # (period, district) -> digests
    provinces: dict[tuple[str, str], list[str | None]] = {}  # (period, province) -> districts
    for table, sql in _PER_DISTRICT:
        for period, district, province, digest, count in con.execute(sql, [wanted]).fetchall():
            rows.setdefault((period, district), []).append(f"{table}:{digest}:{count}")
            if table == "mart.ward_completeness":
                provinces.setdefault((period, province), []).append(district)
    reported = {(period, code) for period, district, province in con.execute(
        "select period, district_code, province_code from mart.ward_completeness "
        "where list_contains(?, period) and is_received group by all", [periods]).fetchall()
        for code in (district, province) if code is not None}
    units: dict[tuple[str, str], str] = {}
    for table, sql in _PER_UNIT:
        for period, unit, digest, count in con.execute(sql, [wanted]).fetchall():
            units[(period, f"{table}:{unit}")] = f"{digest}:{count}"

    def sha(*parts: object) -> str:
        return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()

    result: dict[str, dict[str, str]] = {}
    for period in periods:
        before = previous_year(period)
        digests = {}
        for (p, province), districts in provinces.items():
            if p != period:
                continue
            for district in sorted(districts, key=lambda d: d or ""):
                own = sorted(rows.get((period, district), []))
                if district is not None:
                    digests[district] = sha(shared, own, *(
                        units.get((q, f"mart.district_summary:{district}"))
                        for q in (period, before)))
            city = [sha(sorted(rows.get((period, d), [])),
                        units.get((period, f"mart.district_summary:{d}")),
                        units.get((before, f"mart.district_summary:{d}")))
                    for d in sorted(districts, key=lambda d: d or "")]
            digests[province] = sha(shared, city, units.get((period, "mart.cluster_summary:all")),
                                    *(units.get((q, f"mart.city_summary:{province}"))
                                      for q in periods_shown(period)))
        # only the units that have a pack: some ward of theirs reported (flows/pack.units_of)
        result[period] = {code: digest for code, digest in digests.items()
                          if (period, code) in reported}
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
