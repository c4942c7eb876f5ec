"""The files of one unit's conference pack: its workbook, its .docx and its .md.

No Prefect here: the pack's helper processes (warehouse/pack_helpers.py) import this module and
the writers, nothing else. A helper is handed a unit by name (`write_published_unit`) and reads
the period's data from the published file itself, once per period: a period's frames are a few
megabytes, which would cost more to send with every unit than to read once.
"""

from pathlib import Path

import polars as pl

from transforms.narrative import Paragraph, narrative, to_markdown, unit_totals, ward_word
from transforms.pack import total_flags
from warehouse.document import write_docx
from warehouse.pack_data import (
    PackData,
    PublishedFileChanged,
    connect_published,
    file_version,
    load_packs_data,
)
from warehouse.workbook import write_city_workbook, write_district_workbook


def file_stem(code: str, name: str) -> str:
    """`006 Quận Đống Đa`: the name of a unit's files, without a path separator."""
    return f"{code} {name}".replace("/", "-").replace("\\", "-").strip()


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
    """The workbook, the .docx and the .md of one district or of the city, in `folder`."""
    stem = folder / file_stem(code, name)
    if level == "district":
        workbook = write_district_workbook(stem.with_suffix(".xlsx"), data, code, flags)
    else:
        workbook = write_city_workbook(stem.with_suffix(".xlsx"), data, code, name, flags)
    paragraphs = unit_paragraphs(data, level, code, name, flags)
    markdown = stem.with_suffix(".md")
    markdown.write_text(to_markdown(paragraphs), encoding="utf-8")
    return [workbook, write_docx(stem.with_suffix(".docx"), paragraphs), markdown]


# (file_version, period) -> the period's data and its total flags, read once per process;
# `remember` fills it with what the calling process has already read.
_periods: dict[tuple, tuple[PackData, pl.DataFrame]] = {}


def remember(version: tuple, data: PackData) -> None:
    """Use `data` for its period of the published file `version` (this process has it)."""
    _periods[(version, data.period)] = (data, total_flags(data.ward_values,
                                                          data.ward_completeness))


def forget() -> None:
    """Drop every period's data (the caller is done writing)."""
    _periods.clear()


def write_published_unit(published: Path, version: tuple, folder: Path, period: str,
                         level: str, code: str, name: str,
                         periods: tuple[str, ...] = ()) -> list[Path]:
    """`write_unit` for one unit of a period of the published file, as it was at `version`.
    `periods`: every period the caller writes; read with this one, in one read of the file,
    so that a helper reads the file once, not once per period it is handed.

    Raises PublishedFileChanged when the file is no longer that version (a run published
    meanwhile): one pack is made from one version, never from two.
    """
    key = (version, period)
    if key not in _periods:
        wanted = [p for p in dict.fromkeys((period, *periods)) if (version, p) not in _periods]
        con = connect_published(published)
        try:
            if file_version(published) != version:
                raise PublishedFileChanged(str(published))
            for data in load_packs_data(con, wanted).values():
                remember(version, data)
        finally:
            con.close()
    data, flags = _periods[key]
    return write_unit(folder, data, level, code, name, flags)
