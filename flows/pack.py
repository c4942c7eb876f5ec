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
from pathlib import Path

import polars as pl
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows.settings import Settings, load_settings
from transforms.narrative import Paragraph, narrative, to_markdown, unit_totals, ward_word
from transforms.pack import completeness_table, run_summary_markdown, total_flags
from transforms.periods import period_sort_key
from warehouse.pack_data import (
    PackData,
    connect_published,
    district_completeness,
    load_packs_data,
    periods_with_reports,
    published_periods,
    run_rejections,
    unit_fingerprints,
)

FINGERPRINT_FILE = ".fingerprint"


class PackError(ValueError):
    """An expected problem (no published file, unknown period or unit), said in words."""


def _file_stem(code: str, name: str) -> str:
    return f"{code} {name}".replace("/", "-").replace("\\", "-").strip()


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


def unit_paragraphs(data: PackData, level: str, code: str, name: str,
                    flags: pl.DataFrame) -> list[Paragraph]:
    """The narrative draft of one district or of the city."""
    if level == "district":
        wards = data.ward_completeness.filter(pl.col("district_code") == code)
        summary, with_district = data.district_summary, False
    else:
        wards = data.ward_completeness.filter(pl.col("province_code") == code)
        summary, with_district = data.city_summary, True
    approximate = set(flags.filter((pl.col("unit_code") == code) & pl.col("is_approximate"))
                      ["indicator_code"].to_list())
    totals = unit_totals(summary, code, data.period, data.previous, approximate,
                         ward_word(wards["ward_name"].to_list()))
    return narrative(name, data.period, totals, wards, with_district)


def write_unit(folder: Path, data: PackData, level: str, code: str, name: str,
               flags: pl.DataFrame) -> list[Path]:
    """The workbook, the .docx and the .md of one district or of the city."""
    # imported here: a night with nothing to rewrite does not pay for the writers (~0.3 s)
    from warehouse.document import write_docx
    from warehouse.workbook import write_city_workbook, write_district_workbook

    stem = folder / _file_stem(code, name)
    if level == "district":
        workbook = write_district_workbook(stem.with_suffix(".xlsx"), data, code, flags)
    else:
        workbook = write_city_workbook(stem.with_suffix(".xlsx"), data, code, name, flags)
    paragraphs = unit_paragraphs(data, level, code, name, flags)
    markdown = stem.with_suffix(".md")
    markdown.write_text(to_markdown(paragraphs), encoding="utf-8")
    return [workbook, write_docx(stem.with_suffix(".docx"), paragraphs), markdown]


def write_reports(data_dir: Path | str | None, periods: list[str], unit: str | None = None,
                  out_dir: Path | str | None = None) -> list[Path]:
    """Write the pack of each period (every district and the city, or only `unit`: a district
    code or the province code) from the published file; returns the files written.

    Raises PackError (words in Vietnamese and English) when there is no published file, a
    period has no data, or the unit is not one of the period's.
    """
    return write_units(data_dir, {period: None if unit is None else [unit]
                                  for period in periods}, out_dir)


def write_units(data_dir: Path | str | None, wanted: dict[str, list[str] | None] | None,
                out_dir: Path | str | None = None) -> list[Path]:
    """Write, per period, the packs of the given unit codes (None: every unit of the period;
    `wanted` None: the units whose data changed, every period some ward reported). A period
    with no pack yet is written whole and swapped in; otherwise each unit's files replace the
    old ones, and the folder's fingerprints are updated after them."""
    settings = load_settings(data_dir=data_dir)
    out = Path(out_dir) if out_dir else settings.reports_dir
    con = _connect(settings)
    written: list[Path] = []
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
    for period, codes in wanted.items():
        written += _write_period(out, packs[period], codes, fingerprints[period])
    return written


def _connect(settings: Settings):
    hint = f"mttq run --data-dir {settings.data_dir}"
    try:
        return connect_published(settings.published_db)
    except FileNotFoundError:
        raise PackError(f"Chưa có dữ liệu đã công bố ({settings.published_db}); hãy chạy "
                        f"`{hint}` trước. / Nothing published yet: run `{hint}` first.") from None


def _write_period(out: Path, data: PackData, codes: list[str] | None,
                  fingerprints: dict[str, str]) -> list[Path]:
    units = units_of(data)
    if codes is not None:
        units = [u for u in units if u[1] in codes]
        unknown = sorted(set(codes) - {code for _, code, _ in units})
        if unknown:
            known = ", ".join(code for _, code, _ in units_of(data))
            raise PackError(f"Không có đơn vị {', '.join(unknown)} trong kỳ {data.period} "
                            f"(các mã: {known}). / No unit {', '.join(unknown)} in "
                            f"{data.period} (codes: {known}).")
    flags = total_flags(data.ward_values, data.ward_completeness)
    final = out / data.period
    out.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{data.period}.building-", dir=out))
    try:
        names = [path.name for level, code, name in units
                 for path in write_unit(building, data, level, code, name, flags)]
        stored = _stored_fingerprints(final)
        stored.update({code: fingerprints.get(code, "") for _, code, _ in units})
        if not final.exists():  # a new period: the folder appears whole
            _write_fingerprints(building, stored)
            building.chmod(0o755)
            os.replace(building, final)
        else:  # each file replaces the old one whole; the fingerprints follow them
            for name in names:
                os.replace(building / name, final / name)
            _write_fingerprints(final, stored)
            shutil.rmtree(building)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return [final / name for name in names]


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

@task(cache_policy=NO_CACHE)
def write_changed_packs(settings: Settings) -> dict:
    """The pack of every published period whose data changed since its pack was written.

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
        files = write_units(settings.data_dir, None) if settings.published_db.is_file() else []
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
