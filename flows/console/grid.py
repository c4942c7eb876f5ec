"""Tình hình nộp báo cáo / Completeness grid: a district's wards × the periods of a year.

Each cell says in words (and colour) whether the ward's report for the period is on time, late
(how many days), accepted with errors, rejected (a file came but did not count) or missing; a
click shows the files and their findings. Reads `mart.ward_completeness` (the pack's table).
"""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from flows.console.app import render
from flows.console.data import NotPublished, published, rows
from flows.console.words import status_words, vn_date
from transforms.findings import place_words

router = APIRouter()
NEEDS = ("mart.ward_completeness", "raw.files", "mart.findings")

# state -> (css class, mark, Vietnamese, English); the mark and words mean it is not colour alone
STATES = {
    "on_time": ("ok", "✓", "Đúng hạn", "On time"),
    "late": ("late", "◔", "Trễ", "Late"),
    "with_errors": ("warn", "!", "Có lỗi", "With errors"),
    "rejected": ("bad", "✗", "Bị từ chối", "Rejected"),
    "missing": ("none", "—", "Chưa nộp", "Missing"),
}


def cell_state(cell: dict) -> str:
    if cell["is_received"]:
        if cell.get("file_status") == "accepted_with_errors" or (cell.get("values_dropped") or 0):
            return "with_errors"
        return "on_time" if cell["is_on_time"] else "late"
    return "rejected" if cell["files_rejected"] else "missing"


def cell_words(cell: dict) -> tuple[str, str]:
    """The cell's text: `Trễ 5 ngày`, `Có lỗi (2 giá trị) · trễ 3 ngày`, ..."""
    state = cell_state(cell)
    _, _, vi, en = STATES[state]
    days = cell.get("days_late")
    if state == "late" and days:
        return f"Trễ {days} ngày", f"{days} days late"
    if state == "with_errors":
        dropped = cell.get("values_dropped") or 0
        if dropped:
            vi, en = f"Có lỗi ({dropped} giá trị)", f"With errors ({dropped} values)"
        if not cell["is_on_time"] and days:
            vi, en = f"{vi} · trễ {days} ngày", f"{en} · {days} days late"
    return vi, en


@router.get("/grid", response_class=HTMLResponse)
def grid_page(request: Request, district: str | None = None,
              year: str | None = None) -> HTMLResponse:
    settings = request.app.state.settings
    try:
        with published(settings, *NEEDS) as con:
            districts = rows(con, "grid_districts")
            if not districts:
                raise NotPublished()
            codes = [d["district_code"] for d in districts]
            district = district if district in codes else codes[0]
            years = [r["year"] for r in rows(con, "grid_years", [district])]
            year = year if year in years else (years[-1] if years else None)
            cells = rows(con, "grid_cells", [district, year]) if year else []
    except NotPublished as missing:
        return render(request, "not_published.html", {
            "table": missing.table, "title_vi": "Tình hình nộp báo cáo",
            "title_en": "Completeness"})
    periods = list(dict.fromkeys(c["period"] for c in cells))
    wards: dict[str, dict] = {}
    for cell in cells:
        state = cell_state(cell)
        css, mark, _, _ = STATES[state]
        ward = wards.setdefault(cell["ward_code"], {"code": cell["ward_code"],
                                                    "name": cell["ward_name"], "cells": {}})
        ward["cells"][cell["period"]] = {**cell, "state": state, "css": css, "mark": mark,
                                         "words": cell_words(cell)}
    totals = {p: sum(1 for c in cells if c["period"] == p and c["is_received"]) for p in periods}
    counts = {state: sum(1 for w in wards.values() for c in w["cells"].values()
                         if c["state"] == state) for state in STATES}
    name = next(d["district_name"] for d in districts if d["district_code"] == district)
    return render(request, "grid.html", {
        "districts": districts, "district": district, "district_name": name, "years": years,
        "year": year, "periods": periods, "wards": list(wards.values()), "totals": totals,
        "states": STATES, "counts": counts})


@router.get("/grid/cell", response_class=HTMLResponse)
def cell_page(request: Request, ward: str, period: str) -> HTMLResponse:
    settings = request.app.state.settings
    try:
        with published(settings, *NEEDS) as con:
            expected = rows(con, "cell_row", [ward, period])
            files = rows(con, "cell_files", [ward, period])
            findings = rows(con, "file_findings", [[f["file_hash"] for f in files]]) \
                if files else []
    except NotPublished as missing:
        return render(request, "not_published.html", {
            "table": missing.table, "title_vi": "Tình hình nộp báo cáo",
            "title_en": "Completeness"})
    for file in files:
        file["status_words"] = status_words(file["status"])
        file["received"] = vn_date(file["received_at"])
        file["findings"] = [{**f, "place": place_words(f["sheet"], f["row"], f["column"])}
                            for f in findings if f["file_hash"] == file["file_hash"]]
    cell = None
    if expected:
        cell = {**expected[0], "files_rejected": sum(f["status"] == "rejected" for f in files)}
        state = cell_state(cell)
        cell.update(state=state, css=STATES[state][0], mark=STATES[state][1],
                    words=cell_words(cell))
    return render(request, "cell.html", {"ward": ward, "period": period, "cell": cell,
                                         "files": files})
