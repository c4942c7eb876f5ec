"""Báo cáo / Downloads: the conference pack (`reports/<period>/`), per period and unit.

Lists what the runs wrote (`flows/pack.py`): per period, one line per unit (the city first,
then districts by code) with its workbook, narrative (.docx) and text (.md). Serves only files
inside `reports/`.
"""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from flows.console.app import ConsoleError, render
from transforms.periods import is_period_id, period_sort_key

router = APIRouter()
FORMATS = {".xlsx": ("Bảng tổng hợp (Excel)", "Summary workbook (Excel)"),
           ".docx": ("Báo cáo (Word)", "Narrative (Word)"),
           ".md": ("Báo cáo (văn bản)", "Narrative (text)")}
MEDIA_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".md": "text/markdown; charset=utf-8",
}


def list_pack(reports: Path) -> list[dict]:
    """[{period, units: [{name, files: {suffix: name}}]}], the latest period first."""
    if not reports.is_dir():
        return []
    found = []
    for folder in reports.iterdir():
        if not folder.is_dir() or not is_period_id(folder.name):
            continue
        units: dict[str, dict] = {}
        for file in folder.iterdir():
            if file.is_file() and file.suffix in FORMATS and not file.name.startswith("."):
                unit = units.setdefault(file.stem, {"name": file.stem, "files": {}})
                unit["files"][file.suffix] = {"name": file.name,
                                              "kb": max(1, round(file.stat().st_size / 1024))}
        if units:
            found.append({"period": folder.name,
                          "units": sorted(units.values(), key=_unit_order)})
    return sorted(found, key=lambda p: period_sort_key(p["period"]), reverse=True)


def _unit_order(unit: dict) -> tuple[bool, str]:
    """The city (a 2-digit province code) first, then districts by code."""
    code = unit["name"].split(" ", 1)[0]
    return (not (code.isdigit() and len(code) == 2), unit["name"])


@router.get("/downloads", response_class=HTMLResponse)
def downloads_page(request: Request, period: str = "", unit: str = "") -> HTMLResponse:
    pack = list_pack(request.app.state.settings.reports_dir)
    periods = [p["period"] for p in pack]
    period = period if period in periods else (periods[0] if periods else "")
    chosen = next((p for p in pack if p["period"] == period), None)
    units = chosen["units"] if chosen else []
    shown = [u for u in units if not unit or u["name"] == unit]
    return render(request, "downloads.html", {
        "periods": periods, "period": period, "units": units, "unit": unit, "shown": shown,
        "formats": FORMATS})


@router.get("/downloads/{period}/{name}")
def download(request: Request, period: str, name: str) -> FileResponse:
    reports = request.app.state.settings.reports_dir.resolve()
    path = (reports / period / name).resolve()
    if (not is_period_id(period) or path.parent != reports / period or not path.is_file()
            or path.suffix not in MEDIA_TYPES):
        raise ConsoleError(404, "Không có tệp này trong thư mục báo cáo.",
                           "There is no such file in the reports folder.")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], filename=name)
