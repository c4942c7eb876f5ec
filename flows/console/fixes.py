"""Lỗi cần xử lý / What needs fixing: every rejected file and dropped value, newest first.

Each file comes with a message to send to the ward (copied with one click), in Vietnamese: the
file, what is wrong and where, and what to do. Filterable by district and period.
"""

import duckdb
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from flows.console.app import render
from flows.console.data import NotPublished, published, rows
from flows.console.words import status_words, vn_date
from transforms.findings import place_words
from transforms.periods import period_sort_key
from transforms.text import fold

router = APIRouter()


@router.get("/fixes", response_class=HTMLResponse)
def fixes_page(request: Request, district: str = "", period: str = "") -> HTMLResponse:
    settings = request.app.state.settings
    try:
        with published(settings, "raw.files", "mart.findings") as con:
            found = rows(con, "fixes")
            try:
                placed = rows(con, "ward_districts")
            except duckdb.CatalogException:  # a file from before mart.ward_completeness
                placed = []
    except NotPublished as missing:
        return render(request, "not_published.html", {
            "table": missing.table, "title_vi": "Lỗi cần xử lý", "title_en": "What needs fixing"})
    where = {(p["ward_code"], p["period"]): p for p in placed}
    districts = sorted({(p["district_code"], p["district_name"]) for p in placed
                        if p["district_code"]})
    by_name = {fold(name): code for code, name in districts}
    files: dict[str, dict] = {}
    for row in found:
        file = files.get(row["file_hash"])
        if file is None:
            place = where.get((row["ward_code"], row["period"]), {})
            district_code = place.get("district_code") or by_name.get(
                fold(row["district_name_as_written"] or ""))
            file = files[row["file_hash"]] = {
                **{k: row[k] for k in ("file_hash", "file_name", "original_path", "status",
                                       "ward_code", "period")},
                "ward_name": place.get("ward_name") or row["ward_name_as_written"] or "",
                "district_code": district_code, "received": vn_date(row["received_at"]),
                "status_words": status_words(row["status"]), "problems": []}
        file["problems"].append({**row, "place": place_words(row["sheet"], row["row"],
                                                             row["column"])})
    periods = sorted({f["period"] for f in files.values() if f["period"]}, key=period_sort_key)
    shown = [f for f in files.values()
             if (not district or f["district_code"] == district)
             and (not period or f["period"] == period)]
    for file in shown:
        file["message"] = message_to_ward(file)
    return render(request, "fixes.html", {
        "files": shown, "total": len(files), "districts": districts, "district": district,
        "periods": periods, "period": period})


def message_to_ward(file: dict) -> str:
    """What the operator sends the ward (e-mail, Zalo): plain Vietnamese, one problem a line."""
    who = f"Ủy ban MTTQ {file['ward_name']}" if file["ward_name"] else "Ủy ban MTTQ phường/xã"
    what = f"kỳ {file['period']}" if file["period"] else "kỳ báo cáo"
    if file["status"] == "rejected":
        verdict = "chưa được tiếp nhận vì:"
        ask = "Đề nghị đồng chí sửa các điểm trên và gửi lại tệp báo cáo."
    else:
        verdict = "đã được tiếp nhận, nhưng các giá trị sau bị loại:"
        ask = "Đề nghị đồng chí kiểm tra, sửa các giá trị trên và gửi lại cả tệp báo cáo."
    lines = [f"Kính gửi {who},",
             f"Tệp báo cáo \"{file['file_name']}\" ({what}, nhận lúc {file['received']}) {verdict}"]
    for problem in file["problems"]:
        lines.append(f"- {problem['message_vi']} ({problem['place'][0]})")
    lines += [ask, "Trân trọng."]
    return "\n".join(lines)
