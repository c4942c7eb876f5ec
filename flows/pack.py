"""The conference pack: workbooks and narrative drafts under `<data_dir>/reports/<period>/`.

Orchestration only: the published DuckDB file is read (warehouse/pack_data.py), tables and text
are made by transforms/pack.py and transforms/narrative.py, files are written by
warehouse/workbook.py and warehouse/document.py.

Files, per period: `<district code> <district name>.xlsx|.docx|.md` for every district of the
period, and `<province code> <province name>.xlsx|.docx|.md` for the city (e.g.
`reports/2021-Q3/006 Quận Đống Đa.xlsx`, `reports/2021-Q3/01 Thành phố Hà Nội.docx`).

A pack is never half written: a whole period is built in a hidden folder next to its final
place and swapped in by renames; one unit's files (`unit=`) are each written under a temporary
name and renamed over the old. Each period folder keeps the fingerprint of the data it was made
from (`.fingerprint`), so the nightly run rewrites only the periods whose data changed.
"""

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
from warehouse.document import write_docx
from warehouse.pack_data import (
    PackData,
    connect_published,
    district_completeness,
    load_pack_data,
    period_fingerprints,
    published_periods,
    run_rejections,
)
from warehouse.workbook import write_city_workbook, write_district_workbook

FINGERPRINT_FILE = ".fingerprint"
SUFFIXES = (".xlsx", ".docx", ".md")


class PackError(ValueError):
    """An expected problem (no published file, unknown period or unit), said in words."""


def _file_stem(code: str, name: str) -> str:
    return f"{code} {name}".replace("/", "-").replace("\\", "-").strip()


def _city(data: PackData) -> tuple[str, str]:
    code = data.ward_completeness["province_code"].drop_nulls()[0]
    names = data.city_summary.filter(pl.col("unit_code") == code)["unit_name"]
    return code, names[0] if names.len() else code


def units_of(data: PackData) -> list[tuple[str, str, str]]:
    """(level, code, name) of every unit with a pack: each district, then the city."""
    districts = (data.ward_completeness.filter(pl.col("district_code").is_not_null())
                 .select("district_code", "district_name").unique().sort("district_code"))
    return ([("district", code, name) for code, name in districts.iter_rows()]
            + [("city", *_city(data))])


def unit_paragraphs(data: PackData, level: str, code: str, name: str,
                    flags: pl.DataFrame) -> list[Paragraph]:
    """The narrative draft of one district or of the city."""
    if level == "district":
        wards = data.ward_completeness.filter(pl.col("district_code") == code)
        summary, with_district = data.district_summary, False
    else:
        wards, summary, with_district = data.ward_completeness, data.city_summary, True
    approximate = set(flags.filter((pl.col("unit_code") == code) & pl.col("is_approximate"))
                      ["indicator_code"].to_list())
    totals = unit_totals(summary, code, data.period, data.previous, approximate,
                         ward_word(wards["ward_name"].to_list()))
    return narrative(name, data.period, totals, wards, with_district)


def write_unit(folder: Path, data: PackData, level: str, code: str, name: str,
               flags: pl.DataFrame) -> list[Path]:
    """The workbook, the .docx and the .md of one district or of the city."""
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
    settings = load_settings(data_dir=data_dir)
    out = Path(out_dir) if out_dir else settings.reports_dir
    hint = f"mttq run --data-dir {settings.data_dir}"
    try:
        con = connect_published(settings.published_db)
    except FileNotFoundError:
        raise PackError(f"Chưa có dữ liệu đã công bố ({settings.published_db}); hãy chạy "
                        f"`{hint}` trước. / Nothing published yet: run `{hint}` first.") from None
    written: list[Path] = []
    try:
        known = published_periods(con)
        missing = [p for p in periods if p not in known]
        if missing:
            raise PackError(f"Không có số liệu kỳ {', '.join(missing)}; các kỳ có số liệu: "
                            f"{', '.join(known) or '—'}. / No data for {', '.join(missing)}.")
        fingerprints = period_fingerprints(con, periods)
        for period in periods:
            data = load_pack_data(con, period)
            written += _write_period(out, data, unit, fingerprints[period])
    finally:
        con.close()
    return written


def _write_period(out: Path, data: PackData, unit: str | None, fingerprint: str) -> list[Path]:
    units = units_of(data)
    if unit is not None:
        units = [u for u in units if u[1] == unit]
        if not units:
            codes = ", ".join(code for _, code, _ in units_of(data))
            raise PackError(f"Không có đơn vị {unit} trong kỳ {data.period} (các mã: {codes}). "
                            f"/ No unit {unit} in {data.period}.")
    flags = total_flags(data.ward_values, data.ward_completeness)
    final = out / data.period
    out.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{data.period}.building-", dir=out))
    try:
        names = [path.name for level, code, name in units
                 for path in write_unit(building, data, level, code, name, flags)]
        if unit is None:  # the whole period: the folder is swapped in whole
            (building / FINGERPRINT_FILE).write_text(fingerprint)
            _swap_folder(building, final)
        else:  # one unit: each of its files replaces the old one
            final.mkdir(exist_ok=True)
            for name in names:
                os.replace(building / name, final / name)
            shutil.rmtree(building)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return [final / name for name in names]


def _swap_folder(building: Path, final: Path) -> None:
    """Put `building` at `final`: readers see the old pack or the new one, never a mix."""
    building.chmod(0o755)
    if not final.exists():
        os.replace(building, final)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{final.name}.old-", dir=final.parent))
    os.replace(final, old / final.name)
    os.replace(building, final)
    shutil.rmtree(old)


def changed_periods(data_dir: Path | str | None, out_dir: Path | str | None = None
                    ) -> list[str]:
    """The published periods whose pack is missing or was made from other data."""
    settings = load_settings(data_dir=data_dir)
    out = Path(out_dir) if out_dir else settings.reports_dir
    if not settings.published_db.is_file():
        return []
    con = connect_published(settings.published_db)
    try:
        fingerprints = period_fingerprints(con, published_periods(con))
    finally:
        con.close()

    def stored(period: str) -> str | None:
        marker = out / period / FINGERPRINT_FILE
        return marker.read_text() if marker.is_file() else None

    return [period for period, digest in fingerprints.items() if stored(period) != digest]


# --- the nightly run's part ------------------------------------------------------------------

@task(cache_policy=NO_CACHE)
def write_changed_packs(settings: Settings) -> dict:
    """The pack of every published period whose data changed since its pack was written.

    A failure here does not undo the run (its outputs are published): it is logged and said in
    the run's summary, and `mttq report` writes the pack on demand.
    """
    logger = get_run_logger()
    reports = str(settings.reports_dir)
    try:
        periods = changed_periods(settings.data_dir)
        files = write_reports(settings.data_dir, periods) if periods else []
    except (PackError, OSError) as problem:
        logger.error("Conference pack not written / Không viết được báo cáo: %s", problem)
        return {"reports": reports, "pack_periods": [], "pack_files": [],
                "pack_error": str(problem)}
    logger.info("Conference pack: %d files for %s in %s", len(files), ", ".join(periods) or "-",
                reports)
    return {"reports": reports, "pack_periods": periods, "pack_files": [str(f) for f in files]}


@task(cache_policy=NO_CACHE)
def publish_run_artifacts(settings: Settings, result: dict) -> None:
    """The run's Prefect artifacts: a markdown summary and the completeness table."""
    con = connect_published(settings.published_db)
    try:
        quarters = [p for p in published_periods(con) if "-Q" in p]
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
