"""Reads the period people write (`Quý III/2021`, `6 tháng đầu năm 2022`...) into a canonical id."""

import re
from functools import lru_cache

from transforms.periods import is_period_id
from transforms.text import normalize_text, strip_diacritics

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_QUARTER = {**_ROMAN, "1": 1, "2": 2, "3": 3, "4": 4}
# Split `2021q3`, `q3`, `9m`, `h1` into words; `qiii` is all letters so it gets its own rule.
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)")
_Q_ROMAN = re.compile(r"\bq(?=(?:i|ii|iii|iv)\b)")
_SEPARATORS = re.compile(r"[^a-z0-9]+")
_YEAR = re.compile(r"^20\d\d$")
# Words that frame a period without changing it: `báo cáo kết quả`, `sơ kết`, `tổng kết`, `kỳ`,
# `công tác Mặt trận`, `lũy kế`, `cả`, `năm` (alone it means the year), `đầu` (H1 and 9M
# run from the start of the year anyway).
_FILLER = frozenset("bao cao so ket qua tong ky cong tac mat tran mttq luy ke ca nam dau".split())
_KIND_OF_CORE = {
    ("6", "thang"): "H1",  # `sơ kết 6 tháng năm 2022` is the mid-year review: the first half
    ("6", "thang", "cuoi"): "H2",
    ("nua",): "H1",  # `nửa đầu năm`
    ("nua", "cuoi"): "H2",
    ("h", "1"): "H1",
    ("h", "2"): "H2",
    ("h", "i"): "H1",
    ("h", "ii"): "H2",
    ("9", "thang"): "9M",
    ("9", "m"): "9M",
    ("12", "thang"): "Y",
    ("y",): "Y",
}


@lru_cache(maxsize=4096)
def parse_period(text: str | None) -> str | None:
    """Canonical period id (`2021-Q3`, `2022-H1`, `2022-H2`, `2021-9M`, `2021-Y`) or None.

    Accepts the canonical ids and what people write: `Quý III/2021`, `Quý 3 năm 2021`,
    `QIII-2021`, `Q3/2021`, `Q3 2021`, `2021Q3`, `III/2021`, `6 tháng đầu năm 2022`,
    `6 tháng cuối năm 2020`, `9 tháng năm 2021`, `Năm 2021`, `cả năm 2021`,
    `tổng kết năm 2021`, `sơ kết 6 tháng đầu năm 2022`, `báo cáo quý II năm 2022`, in any case,
    NFC or NFD, with or without diacritics.

    Decisions: the year must be written with four digits, 2000-2099 (`Q3/21` -> None, because a
    two-digit number could as well be a day or a count); a bare year (`2021`) names no period
    and gives None (only `năm 2021` is the year); `6 tháng năm 2022` without `đầu` is the first
    half (the mid-year review); a bare `3/2021` (could be March) gives None while `III/2021` is
    the quarter; a month (`tháng 9/2021`), quarter 5, two different years or any
    word outside the vocabulary above give None rather than a guess.
    """
    clean = normalize_text(text)
    if clean is None:
        return None
    if is_period_id(clean.upper()):
        return clean.upper()
    spaced = _Q_ROMAN.sub("q ", _DIGIT_LETTER.sub(" ", strip_diacritics(clean.lower())))
    # `06 tháng`, `quý 03`: numbers compare by value
    words = [str(int(w)) if w.isdigit() else w for w in _SEPARATORS.sub(" ", spaced).split()]
    years = {w for w in words if _YEAR.match(w)}
    if len(years) != 1:
        return None
    year = years.pop()
    rest = [w for w in words if w != year]
    if any(w.isdigit() and len(w) >= 3 for w in rest):
        return None  # another year-like number (1999, 2100, a date): not a period we can name
    kind = _kind(rest)
    return f"{year}-{kind}" if kind else None


def _kind(words: list[str]) -> str | None:
    """The period kind named by the words around the year, or None."""
    said_year = "nam" in words
    core = [w for w in words if w not in _FILLER]
    if not core:
        return "Y" if said_year else None
    if core[0] in ("quy", "q"):
        return f"Q{_QUARTER[core[1]]}" if len(core) == 2 and core[1] in _QUARTER else None
    if len(core) == 1 and core[0] in _ROMAN:
        return f"Q{_ROMAN[core[0]]}"  # `III/2021`; a bare `3/2021` could be March, so no
    return _KIND_OF_CORE.get(tuple(core))
