"""The conference pack: workbooks and narrative drafts under `<data_dir>/reports/<period>/`.

Orchestration only: the published DuckDB file is read (warehouse/pack_data.py), tables and text
are made by transforms/pack.py and transforms/narrative.py, files are written by
warehouse/workbook.py and warehouse/document.py.

Files, per period: `<district code> <district name>.xlsx|.docx|.md` for every district of the
period, and `<province code> <province name>.xlsx|.docx|.md` for the city (e.g.
`reports/2021-Q3/006 Quận Đống Đa.xlsx`, `reports/2021-Q3/01 Thành phố Hà Nội.docx`).

A pack is never half written: a new period is built in a hidden folder next to its final place
and renamed into it; the files of a period that has a pack are written in a hidden folder and
each renamed over the old one (a reader opens the old file or the new, whole). Each period
folder keeps, per unit, the fingerprint of the rows its pack was made from (`.fingerprint`,
warehouse/pack_data.py), so the nightly run rewrites only the units, in the periods, whose data
changed: one new ward file rewrites its district's and its city's files of the periods it
touches.
"""

import json
import os
import shutil
import tempfile
from contextlib import nullcontext
from pathlib import Path

import polars as pl
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.settings import Settings, load_settings
from transforms.pack import completeness_table, run_summary_markdown
from transforms.periods import period_sort_key
from warehouse.pack_data import (
    PackData,
    PublishedFileChanged,
    connect_published,
    district_completeness,
    file_version,
    load_packs_data,
    periods_with_reports,
    published_periods,
    run_rejections,
    unit_fingerprints,
)
from warehouse.pack_helpers import PackHelpers, take_early, warm_writers_meanwhile

FINGERPRINT_FILE = ".fingerprint"


class PackError(ValueError):
    """An expected problem (no published file, unknown period or unit), said in words."""


def units_of(data: PackData) -> list[tuple[str, str, str]]:
    """(level, code, name) of every unit with a pack: each district, then each province (the
    city), that at least one ward reported to in the period (a pack of blanks helps nobody;
    the city's pack names the districts that sent nothing)."""
    wards = data.ward_completeness
    districts = (wards.filter(pl.col("district_code").is_not_null())
                 .group_by("district_code", "district_name")
                 .agg(pl.col("is_received").any()).filter("is_received")
                 .sort("district_code"))
    cities = []
    provinces = wards.group_by("province_code").agg(pl.col("is_received").any())
    for province in sorted(provinces.filter("is_received")["province_code"].drop_nulls()):
        names = data.city_summary.filter(pl.col("unit_code") == province)["unit_name"]
        cities.append(("city", province, names[0] if names.len() else province))
    return [("district", code, name) for code, name, _ in districts.iter_rows()] + cities


def write_reports(data_dir: Path | str | None, periods: list[str], unit: str | None = None,
                  out_dir: Path | str | None = None) -> list[Path]:
    """Write the pack of each period (every district and the city, or only `unit`: a district
    code or the province code) from the published file; returns the files written.

    Raises PackError (words in Vietnamese and English) when there is no published file, a
    period has no data, or the unit is not one of the period's.
    """
    return write_units(data_dir, {period: None if unit is None else [unit]
                                  for period in periods}, out_dir)


# A helper takes 0.7-0.9 s to start (about four units' files): fewer units are written here.
MIN_UNITS_FOR_HELPERS = 6


def write_units(data_dir: Path | str | None, wanted: dict[str, list[str] | None] | None,
                out_dir: Path | str | None = None,
                helpers: PackHelpers | None = None) -> list[Path]:
    """Write, per period, the packs of the given unit codes (None: every unit of the period;
    `wanted` None: the units whose data changed, every period some ward reported). A period
    with no pack yet is written whole and swapped in; otherwise each unit's files replace the
    old ones, and the folder's fingerprints are updated after them.

    The units are written on every core (warehouse/pack_helpers.py): by `helpers` when given
    (the nightly run starts them early), else by helpers started here when there are enough
    units to repay their start."""
    settings = load_settings(data_dir=data_dir)
    out = Path(out_dir) if out_dir else settings.reports_dir
    con = _connect(settings)
    version = file_version(settings.published_db)  # the file just opened
    try:
        if wanted is None:  # the nightly run: one read of the file for what changed and its data
            fingerprints = unit_fingerprints(con, periods_with_reports(con))
            wanted = _changed(fingerprints, out)
        else:
            known = published_periods(con)
            missing = [p for p in wanted if p not in known]
            if missing:
                raise PackError(f"Không có số liệu kỳ {', '.join(missing)}; các kỳ có số liệu: "
                                f"{', '.join(known) or '—'}. / No data for "
                                f"{', '.join(missing)}; periods with data: "
                                f"{', '.join(known) or '-'}.")
            fingerprints = unit_fingerprints(con, list(wanted))
        packs = load_packs_data(con, list(wanted)) if wanted else {}
    finally:
        con.close()
    units = {period: _units(packs[period], codes) for period, codes in wanted.items()}
    if not any(units.values()):
        return []
    if helpers is None:
        count = sum(map(len, units.values()))
        writers = PackHelpers(settings.workers - 1 if count >= MIN_UNITS_FOR_HELPERS else 0)
    else:
        writers = nullcontext(helpers)  # the caller's: the caller stops them
    with writers as shared:
        try:
            return _write_periods((settings.published_db, version), out, packs, units,
                                  fingerprints, shared)
        except PublishedFileChanged:
            hint = f"mttq report --period all --data-dir {settings.data_dir}"
            raise PackError(f"Một lần chạy khác vừa công bố số liệu mới trong lúc viết báo cáo; "
                            f"hãy chạy lại `{hint}`. / Another run published new data while "
                            f"the pack was written: run `{hint}` again.") from None


def _connect(settings: Settings):
    hint = f"mttq run --data-dir {settings.data_dir}"
    try:
        return connect_published(settings.published_db)
    except FileNotFoundError:
        raise PackError(f"Chưa có dữ liệu đã công bố ({settings.published_db}); hãy chạy "
                        f"`{hint}` trước. / Nothing published yet: run `{hint}` first.") from None


def _units(data: PackData, codes: list[str] | None) -> list[tuple[str, str, str]]:
    """The period's units to write: all of them, or those of `codes` (PackError for a code
    that is not one of the period's)."""
    units = units_of(data)
    if codes is None:
        return units
    unknown = sorted(set(codes) - {code for _, code, _ in units})
    if unknown:
        known = ", ".join(code for _, code, _ in units)
        raise PackError(f"Không có đơn vị {', '.join(unknown)} trong kỳ {data.period} "
                        f"(các mã: {known}). / No unit {', '.join(unknown)} in "
                        f"{data.period} (codes: {known}).")
    return [unit for unit in units if unit[1] in codes]


def _write_periods(published: tuple[Path, tuple], out: Path, packs: dict[str, PackData],
                   units: dict[str, list[tuple[str, str, str]]],
                   fingerprints: dict[str, dict[str, str]], helpers: PackHelpers) -> list[Path]:
    """Every period's units written in a hidden folder of its own, then swapped in.
    `published`: the published file and the version of it that `packs` were read from."""
    # imported here (the nightly run has them imported meanwhile): a night with nothing to
    # rewrite does not pay for the writers (~0.2 s)
    from warehouse import pack_files

    out.mkdir(parents=True, exist_ok=True)
    building = {period: Path(tempfile.mkdtemp(prefix=f".{period}.building-", dir=out))
                for period in units if units[period]}
    try:
        for period in building:
            pack_files.remember(published[1], packs[period])
        night = tuple(building)  # a helper reads all of them at its first unit
        jobs = [(*published, building[period], period, level, code, name, night)
                for period in building for level, code, name in units[period]]
        files = helpers.map(pack_files.write_published_unit, jobs)
        names: dict[str, list[str]] = {period: [] for period in building}
        for (_, _, _, period, *_unit), paths in zip(jobs, files, strict=True):
            names[period] += [path.name for path in paths]
        written = []
        for period, folder in building.items():
            _swap_in(folder, out / period, names[period], {
                code: fingerprints[period].get(code, "") for _, code, _ in units[period]})
            written += [out / period / name for name in names[period]]
        return written
    finally:
        pack_files.forget()
        for folder in building.values():  # gone once swapped in; left over after a failure
            shutil.rmtree(folder, ignore_errors=True)


def _swap_in(building: Path, final: Path, names: list[str], fingerprints: dict[str, str]
             ) -> None:
    stored = _stored_fingerprints(final)
    stored.update(fingerprints)
    if not final.exists():  # a new period: the folder appears whole
        _write_fingerprints(building, stored)
        building.chmod(0o755)
        os.replace(building, final)
    else:  # each file replaces the old one whole; the fingerprints follow them
        for name in names:
            os.replace(building / name, final / name)
        _write_fingerprints(final, stored)


def _stored_fingerprints(folder: Path) -> dict[str, str]:
    marker = folder / FINGERPRINT_FILE
    try:
        return json.loads(marker.read_text()) if marker.is_file() else {}
    except ValueError:  # a damaged marker: every unit is written again
        return {}


def _write_fingerprints(folder: Path, fingerprints: dict[str, str]) -> None:
    temporary = folder / f"{FINGERPRINT_FILE}.tmp"
    temporary.write_text(json.dumps(fingerprints, sort_keys=True, indent=0))
    os.replace(temporary, folder / FINGERPRINT_FILE)


def reported_periods(data_dir: Path | str | None) -> list[str]:
    """Every published period some ward reported (`mttq report --period all`)."""
    con = _connect(load_settings(data_dir=data_dir))
    try:
        return periods_with_reports(con)
    finally:
        con.close()


def changed_units(data_dir: Path | str | None, out_dir: Path | str | None = None
                  ) -> dict[str, list[str]]:
    """period -> the units whose pack is missing or was made from other data, for every
    period some ward reported."""
    settings = load_settings(data_dir=data_dir)
    out = Path(out_dir) if out_dir else settings.reports_dir
    if not settings.published_db.is_file():
        return {}
    con = connect_published(settings.published_db)
    try:
        return _changed(unit_fingerprints(con, periods_with_reports(con)), out)
    finally:
        con.close()


def _changed(fingerprints: dict[str, dict[str, str]], out: Path) -> dict[str, list[str]]:
    changed = {}
    for period, digests in fingerprints.items():
        stored = _stored_fingerprints(out / period)
        units = sorted(code for code, digest in digests.items() if stored.get(code) != digest)
        if units:
            changed[period] = units
    return changed


# --- the nightly run's part ------------------------------------------------------------------

def pack_helpers(settings: Settings, anything_new: bool) -> PackHelpers:
    """Helper processes for the run's pack, ready once the run has published: one per core but
    the run's own, when the pack is on and the run has something new (a run with nothing new
    rarely has a pack to write, and writes it alone). The command line's, when it started them
    early (warehouse/pack_helpers.py), else started now."""
    wanted = settings.write_reports and anything_new
    if wanted:
        warm_writers_meanwhile()
    early = take_early()
    if early is not None:
        if wanted:
            return early
        early.close()
    return PackHelpers(settings.workers - 1 if wanted else 0)


@task(cache_policy=NO_CACHE)
def write_changed_packs(settings: Settings, helpers: PackHelpers | None = None) -> dict:
    """The pack of every published period whose data changed since its pack was written, on
    `helpers` when the flow started them (`pack_helpers`).

    A failure here does not undo the run (its outputs are published): it is logged and said in
    the run's summary, and `mttq report` writes the pack on demand.
    """
    logger = get_run_logger()
    reports = str(settings.reports_dir)
    if not settings.write_reports:
        logger.info("Không viết báo cáo hội nghị (MTTQ_REPORTS=off) / conference pack off: "
                    "`mttq report --period all --data-dir %s`", settings.data_dir)
        return {"reports": reports, "pack_periods": [], "pack_files": []}
    try:
        files = (write_units(settings.data_dir, None, helpers=helpers)
                 if settings.published_db.is_file() else [])
    except (PackError, OSError) as problem:
        logger.error("Không viết được báo cáo hội nghị / Conference pack not written: %s", problem)
        return {"reports": reports, "pack_periods": [], "pack_files": [],
                "pack_error": str(problem)}
    periods = sorted({path.parent.name for path in files}, key=period_sort_key)
    logger.info("Báo cáo hội nghị / Conference pack: %d tệp / files, %s, %s", len(files),
                ", ".join(periods) or "-", reports)
    return {"reports": reports, "pack_periods": periods, "pack_files": [str(f) for f in files]}


@task(cache_policy=NO_CACHE)
def publish_run_artifacts(settings: Settings, result: dict) -> None:
    """The run's Prefect artifacts: a markdown summary and the completeness table."""
    con = connect_published(settings.published_db)
    try:
        quarters = [p for p in periods_with_reports(con) if "-Q" in p]
        period = quarters[-1] if quarters else None
        completeness = district_completeness(con, period) if period else pl.DataFrame()
        rejections = run_rejections(con, result["run_id"])
    finally:
        con.close()
    create_markdown_artifact(
        key="run-summary",
        markdown=run_summary_markdown(result, rejections, completeness, period,
                                      result.get("pack_files", [])),
        description="Tóm tắt lần chạy / Run summary")
    if period:
        create_table_artifact(key="completeness", table=completeness_table(completeness),
                              description=f"Mức độ đầy đủ {period} / Completeness {period}")
