"""Tests for transforms/wards.py (which ward a header names) and transforms/text.py."""

import unicodedata
from datetime import date

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from transforms.schema import UNITS
from transforms.text import fold, fold_expr, normalize_text
from transforms.wards import MATCH_SCHEMA, match_wards

ERA_START, ERA_END, REFORM = date(2020, 1, 1), date(2025, 6, 30), date(2025, 7, 1)

# Two district-era districts, their wards, and two post-2025 wards directly under the city.
# `Tân Dân` exists in both districts; `Phú Minh` / `Phù Minh` differ only by a tone mark;
# 00004 is reused after 2025 for another ward, as the real codes are.
UNITS_ROWS = [
    ("01", "Thành phố Hà Nội", "city", None, ERA_START, None),
    ("001", "Quận Ba Đình", "district", "01", ERA_START, ERA_END),
    ("016", "Huyện Sóc Sơn", "district", "01", ERA_START, ERA_END),
    ("00001", "Phường Phúc Xá", "ward", "001", ERA_START, ERA_END),
    ("00004", "Phường Trúc Bạch", "ward", "001", ERA_START, ERA_END),
    ("00007", "Phường 1", "ward", "001", ERA_START, ERA_END),
    ("00019", "Phường Tân Dân", "ward", "001", ERA_START, ERA_END),
    ("00010", "Xã Minh Trí", "ward", "016", ERA_START, ERA_END),
    ("00013", "Thị trấn Sóc Sơn", "ward", "016", ERA_START, ERA_END),
    ("00016", "Xã Phú Minh", "ward", "016", ERA_START, ERA_END),
    ("00022", "Xã Phù Minh", "ward", "016", ERA_START, ERA_END),
    ("00025", "Xã Tân Dân", "ward", "016", ERA_START, ERA_END),
    ("00004", "Phường Ba Đình", "ward", "01", REFORM, None),
    ("00097", "Phường Hồng Hà", "ward", "01", REFORM, None),
]
UNITS_FRAME = pl.DataFrame(
    [(c, n, lvl, p, "01", f, t) for c, n, lvl, p, f, t in UNITS_ROWS], schema=UNITS, orient="row"
)
DISTRICT_OF = {"001": "Quận Ba Đình", "016": "Huyện Sóc Sơn"}
HEADER_SCHEMA = {
    "file_hash": pl.String,
    "ward_code": pl.String,
    "ward_name": pl.String,
    "district_name": pl.String,
    "period": pl.String,
}


def _match_one(
    code: str | None, name: str | None, district: str | None, period: str | None
) -> dict:
    headers = pl.DataFrame(
        [("f", code, name, district, period)], schema=HEADER_SCHEMA, orient="row"
    )
    return match_wards(headers, UNITS_FRAME).row(0, named=True)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("code", "name", "district", "period", "expected"),
    [
        # by code
        ("00001", None, None, "2021-Q3", "00001"),
        (" 00001 ", None, None, "2021-Q3", "00001"),
        ("1", None, None, "2021-Q3", "00001"),  # a number lost its leading zeros
        ("1.0", None, None, "2021-Q3", "00001"),  # ... or came through a float
        ("00001", "Phường Phúc Xá", "Quận Ba Đình", "2021-Q3", "00001"),  # all three agree
        ("00001", "Phuc Xa", "Q. Ba Dinh", "2021-Q3", "00001"),  # spelling variants agree
        ("00001", "Phường Phúc Xa Mới", None, "2021-Q3", "00001"),  # a typo names nothing else
        ("00013", "Thị trấn Sóc Sơn", "Quận Ba Đình X", "2021-Q3", "00013"),  # ... nor here
        ("00004", None, None, "2021-Q3", "00004"),
        ("00004", None, None, "2025-Q3", "00004"),  # same code, the post-2025 ward
        # by name within the district, any prefix, case or Unicode form
        (None, "Phường Phúc Xá", "Quận Ba Đình", "2021-Q3", "00001"),
        (None, "P. Phúc Xá", "Q. Ba Đình", "2021-Q3", "00001"),
        (None, "P.Phúc Xá", "Ba Đình", "2021-Q3", "00001"),
        (None, "phuong phuc xa", "quan ba dinh", "2021-Q3", "00001"),
        (None, "Phúc Xá", "quận ba đình", "2021-Q3", "00001"),
        (None, "PHÚC  XÁ", "QUẬN BA ĐÌNH", "2021-Q3", "00001"),
        (None, nfd("Phường Phúc Xá"), nfd("Quận Ba Đình"), "2021-Q3", "00001"),
        (None, "Phúc Xa", None, "2021-Q3", "00001"),  # no diacritics as a fallback
        (None, "TT. Sóc Sơn", "H. Sóc Sơn", "2021-Q3", "00013"),
        (None, "Thị trấn Sóc Sơn", "Huyện Sóc Sơn", "2021-Q3", "00013"),
        (None, "X. Minh Trí", "Sóc Sơn", "2021-Q3", "00010"),
        (None, "xa minh tri", None, "2021-Q3", "00010"),
        # numbered wards: `01` and `1` are equal
        (None, "Phường 1", "Quận Ba Đình", "2021-Q3", "00007"),
        (None, "P. 1", "Ba Đình", "2021-Q3", "00007"),
        (None, "P.01", None, "2021-Q3", "00007"),
        (None, "P01", None, "2021-Q3", "00007"),
        # the same name in two districts: the district settles it, or the prefix's kind
        (None, "Tân Dân", "Huyện Sóc Sơn", "2021-Q3", "00025"),
        (None, "Tân Dân", "Quận Ba Đình", "2021-Q3", "00019"),
        (None, "Xã Tân Dân", None, "2021-Q3", "00025"),
        (None, "P. Tân Dân", None, "2021-Q3", "00019"),
        # exact diacritics first
        (None, "Phú Minh", "Sóc Sơn", "2021-Q3", "00016"),
        (None, "Xã Phù Minh", None, "2021-Q3", "00022"),
        # after 2025-07-01: wards under the city; a district written out of habit is ignored
        (None, "Phường Hồng Hà", None, "2025-Q4", "00097"),
        (None, "Phường Ba Đình", "Quận Ba Đình", "2025-Q3", "00004"),
        # no period: any era
        ("00097", None, None, None, "00097"),
        (None, "Trúc Bạch", None, None, "00004"),
    ],
)
def test_match_wards_finds(
    code: str | None, name: str | None, district: str | None, period: str | None, expected: str
) -> None:
    result = _match_one(code, name, district, period)
    assert result == {
        "file_hash": "f",
        "matched_ward_code": expected,
        "match_error": None,
        "candidates": None,
        "found": None,
        "by_code": None,
    }


@pytest.mark.parametrize(
    ("code", "name", "district", "period", "error", "found"),
    [
        (None, None, None, "2021-Q3", "F_WARD_MISSING", None),
        (None, "  ", "Quận Ba Đình", "2021-Q3", "F_WARD_MISSING", None),
        ("99999", None, None, "2021-Q3", "F_WARD_UNKNOWN", "99999"),
        ("00097", None, None, "2021-Q3", "F_WARD_UNKNOWN", "00097"),  # not a ward before 2025
        (None, "Phường Hồng Hà", None, "2021-Q3", "F_WARD_UNKNOWN", "Phường Hồng Hà"),
        (None, "Phường Trúc Bạch", None, "2025-Q3", "F_WARD_UNKNOWN", "Phường Trúc Bạch"),
        (None, "Phú Sá", "Quận Ba Đình", "2021-Q3", "F_WARD_UNKNOWN", "Phú Sá"),
        ("123", "Xyz", None, "2021-Q3", "F_WARD_UNKNOWN", "123 / Xyz"),
        # a wrong code is never overridden by the name (the name's ward is offered instead)
        ("99999", "Phường Phúc Xá", "Quận Ba Đình", "2021-Q3", "F_WARD_UNKNOWN",
         "99999 / Phường Phúc Xá"),
        (None, "Tân Dân", None, "2021-Q3", "F_WARD_AMBIGUOUS", "Tân Dân"),
        (None, "phu minh", "Sóc Sơn", "2021-Q3", "F_WARD_AMBIGUOUS", "phu minh"),
        # a valid code of another ward: the name (or the district) says which ward it is not
        ("00001", "Phường Trúc Bạch", "Quận Ba Đình", "2021-Q3", "F_WARD_MISMATCH",
         "Phường Trúc Bạch"),
        ("00010", "Phường Phúc Xá", None, "2021-Q3", "F_WARD_MISMATCH", "Phường Phúc Xá"),
        ("00001", None, "Huyện Sóc Sơn", "2021-Q3", "F_WARD_MISMATCH", "Huyện Sóc Sơn"),
    ],
)
def test_match_wards_fails(
    code: str | None,
    name: str | None,
    district: str | None,
    period: str | None,
    error: str,
    found: str | None,
) -> None:
    result = _match_one(code, name, district, period)
    assert (result["matched_ward_code"], result["match_error"], result["found"]) == (
        None,
        error,
        found,
    )


def test_match_wards_ambiguous_lists_the_tied_wards() -> None:
    result = _match_one(None, "Tân Dân", None, "2021-Q3")
    assert result["candidates"] == (
        "Phường Tân Dân (00019, Quận Ba Đình); Xã Tân Dân (00025, Huyện Sóc Sơn)"
    )


def test_match_wards_unknown_lists_the_closest_in_the_district() -> None:
    result = _match_one(None, "Phường Phúc Sá", "Quận Ba Đình", "2021-Q3")
    candidates = result["candidates"].split("; ")
    assert candidates[0] == "Phường Phúc Xá (00001, Quận Ba Đình)"
    assert len(candidates) <= 3
    assert all("Quận Ba Đình" in c for c in candidates)


def test_match_wards_unknown_after_2025_offers_post_2025_wards() -> None:
    result = _match_one(None, "Phường Hồng Hải", None, "2025-Q3")
    assert result["candidates"].split("; ")[0] == "Phường Hồng Hà (00097, Thành phố Hà Nội)"
    assert "Quận" not in result["candidates"]


def test_match_wards_mismatch_names_both_wards() -> None:
    result = _match_one("00010", "Phường Phúc Xá", "Quận Ba Đình", "2021-Q3")

    assert result["by_code"] == "Xã Minh Trí (00010, Huyện Sóc Sơn)"
    assert result["candidates"] == "Phường Phúc Xá (00001, Quận Ba Đình)"


def test_match_wards_former_name_of_the_same_ward_agrees() -> None:
    # 00235 was Phường Ngã Tư Sở until 2024 and Phường Thịnh Quang in 2025 (it took the name of
    # the ward merged into it); a 2025 file still headed with the former name is that ward.
    renamed = pl.DataFrame(
        [("01", "Thành phố Hà Nội", "city", None, "01", ERA_START, None),
         ("006", "Quận Đống Đa", "district", "01", "01", ERA_START, ERA_END),
         ("00223", "Phường Thịnh Quang", "ward", "006", "01", ERA_START, date(2024, 12, 31)),
         ("00235", "Phường Ngã Tư Sở", "ward", "006", "01", ERA_START, date(2024, 12, 31)),
         ("00235", "Phường Thịnh Quang", "ward", "006", "01", date(2025, 1, 1), ERA_END)],
        schema=UNITS, orient="row")

    def match(code: str | None, name: str, period: str) -> tuple:
        headers = pl.DataFrame([("f", code, name, "Quận Đống Đa", period)],
                               schema=HEADER_SCHEMA, orient="row")
        row = match_wards(headers, renamed).row(0, named=True)
        return row["matched_ward_code"], row["match_error"]

    assert match("00235", "Phường Ngã Tư Sở", "2025-Q1") == ("00235", None)
    assert match(None, "Phường Thịnh Quang", "2021-Q3") == ("00223", None)
    assert match(None, "Phường Thịnh Quang", "2025-Q1") == ("00235", None)
    assert match("00235", "Phường Thịnh Quang", "2021-Q3") == (None, "F_WARD_MISMATCH")
    assert match("00223", "Phường Thịnh Quang", "2025-Q1") == (None, "F_WARD_UNKNOWN")


def test_match_wards_whole_frame_keeps_order_and_schema() -> None:
    headers = pl.DataFrame(
        [
            ("a", None, "Phúc Xá", "Ba Đình", "2021-Q3"),
            ("b", "00010", None, None, "2021-Q3"),
            ("c", None, None, None, "2021-Q3"),
            ("d", "115", None, None, "2021-Q3"),
            ("e", None, "Hồng Hà", None, "2025-Q3"),
        ],
        schema=HEADER_SCHEMA,
        orient="row",
    )
    expected = pl.DataFrame(
        [
            ("a", "00001", None, None, None, None),
            ("b", "00010", None, None, None, None),
            ("c", None, "F_WARD_MISSING", None, None, None),
            ("d", None, "F_WARD_UNKNOWN", "", "115", None),
            ("e", "00097", None, None, None, None),
        ],
        schema=MATCH_SCHEMA,
        orient="row",
    )
    assert_frame_equal(match_wards(headers, UNITS_FRAME), expected)


def test_match_wards_empty_headers() -> None:
    result = match_wards(pl.DataFrame(schema=HEADER_SCHEMA), UNITS_FRAME)
    assert_frame_equal(result, pl.DataFrame(schema=MATCH_SCHEMA))


WARD_PREFIXES = {
    "Phường": ["Phường ", "P. ", "P.", "phuong ", "PHƯỜNG ", ""],
    "Xã": ["Xã ", "X. ", "X.", "xa ", ""],
    "Thị trấn": ["Thị trấn ", "TT. ", "TT.", "thi tran ", ""],
}
DISTRICT_ERA_WARDS = [r for r in UNITS_ROWS if r[2] == "ward" and r[4] == ERA_START]


@st.composite
def written_wards(draw: st.DrawFn) -> tuple[str, str, str]:
    code, name, _, parent, _, _ = draw(st.sampled_from(DISTRICT_ERA_WARDS))
    kind = next(k for k in WARD_PREFIXES if name.startswith(k + " "))
    bare = name[len(kind) + 1 :]
    written = draw(st.sampled_from(WARD_PREFIXES[kind])) + draw(
        st.sampled_from([bare, bare.lower(), bare.upper(), bare.replace(" ", "  ")])
    )
    written = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), written)
    district = DISTRICT_OF[parent]
    district = draw(st.sampled_from([district, district.split(" ", 1)[1], district.lower()]))
    return code, written, unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), district)


@given(written_wards())
def test_match_wards_any_written_form_finds_its_code(case: tuple[str, str, str]) -> None:
    code, name, district = case
    assert _match_one(None, name, district, "2021-Q3")["matched_ward_code"] == code


@pytest.mark.parametrize(
    ("text", "normalized", "folded"),
    [
        ("  Phường\u00a0 Phúc   Xá ", "Phường Phúc Xá", "phuongphucxa"),
        (nfd("Quận Đống Đa"), "Quận Đống Đa", "quandongda"),
        ("PHÚC-XÁ", "PHÚC-XÁ", "phucxa"),
        ("   ", None, ""),
        (None, None, ""),
    ],
)
def test_fold_and_normalize_text_cases(
    text: str | None, normalized: str | None, folded: str
) -> None:
    assert normalize_text(text) == normalized
    assert fold(text) == folded


def test_fold_expr_agrees_with_fold() -> None:
    names = [r[1] for r in UNITS_ROWS] + [nfd("Phường Phúc Xá"), "P.Phúc-Xá", "ĐỐNG ĐA"]
    result = pl.Series(names).to_frame("name").select(fold_expr(pl.col("name")))["name"]
    assert result.to_list() == [fold(n) for n in names]


def test_match_wards_unknown_code_offers_the_named_ward() -> None:
    result = _match_one("99999", "Phường Phúc Xá", "Quận Ba Đình", "2021-Q3")
    assert result["candidates"] == "Phường Phúc Xá (00001, Quận Ba Đình)"
