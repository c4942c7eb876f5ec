"""The console's words for statuses and places, in Vietnamese and English."""

from datetime import date, datetime

STATUS = {
    "accepted": ("Hợp lệ", "Accepted"),
    "accepted_with_errors": ("Hợp lệ, có giá trị bị loại", "Accepted with errors"),
    "rejected": ("Bị từ chối", "Rejected"),
    "duplicate": ("Trùng lặp", "Duplicate"),
    "superseded": ("Đã bị thay thế", "Superseded"),
    "too_large": ("Quá lớn, không lưu", "Too large, not saved"),
}

SEVERITY = {
    "error": ("Lỗi", "Error"),
    "warning": ("Cần kiểm tra", "Check"),
    "info": ("Ghi nhận", "Note"),
}


def status_words(status: str | None) -> tuple[str, str]:
    return STATUS.get(status or "", (status or "—", status or "—"))


def vn_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    return f"{value:%d/%m/%Y}"
