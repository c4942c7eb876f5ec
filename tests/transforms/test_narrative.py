"""Tests for transforms/narrative.py and transforms/pack.py: sentences from small frames."""

import polars as pl

from transforms.narrative import UnitTotals, coverage_paragraph, theme_paragraphs, ward_word
from transforms.pack import OTHER_THEME, indicator_groups, ward_status


def summary_row(code: str, value, unit: str, reporting: int = 3, expected: int = 3) -> dict:
    return {"indicator_code": code, "value": value, "unit": unit,
            "wards_reporting": reporting, "wards_expected": expected}


def totals(rows: list[dict], previous: list[dict] = (), approximate=frozenset()) -> UnitTotals:
    return UnitTotals({r["indicator_code"]: r for r in rows},
                      {r["indicator_code"]: r for r in previous}, set(approximate), "phường")


def test_theme_paragraphs_ttnd_sentence_as_the_published_reports_write_it():
    rows = [summary_row("ttnd_giam_sat_cuoc", 354, "cuộc"), summary_row("ttnd_vu_vi_pham", 59, "vụ"),
            summary_row("ttnd_vu_kien_nghi", 59, "vụ"), summary_row("ttnd_vu_da_giai_quyet", 56, "vụ")]

    [heading, body] = theme_paragraphs(totals(rows), "2021-Q3")

    assert heading.text.startswith("5. Hoạt động của Ban Thanh tra nhân dân")
    assert body.text == ("Ban Thanh tra nhân dân giám sát 354 cuộc, phát hiện 59 vụ vi phạm, "
                         "kiến nghị xử lý 59 vụ, đã giải quyết 56 vụ.")
    assert [f.value for f in body.figures] == [354, 59, 59, 56]


def test_theme_paragraphs_money_with_change_coverage_and_approximation():
    rows = [summary_row("quy_vi_nguoi_ngheo", 5_312_000_000, "VND", 19, 21),
            summary_row("chi_kham_chua_benh", 10_400_000, "VND")]
    previous = [summary_row("quy_vi_nguoi_ngheo", 4_721_777_778, "VND")]

    body = theme_paragraphs(totals(rows, previous, {"chi_kham_chua_benh"}), "2021-Q3")[1]

    assert body.text == (
        "Trong Quý III/2021, Ủy ban MTTQ các phường vận động Quỹ \"Vì người nghèo\" được trên "
        "5,3 tỷ đồng (số liệu của 19/21 phường; tăng 12,5% so với cùng kỳ), hỗ trợ khám chữa "
        "bệnh trên 10,4 triệu đồng.")


def test_theme_paragraphs_blank_is_left_out_not_written_as_zero():
    rows = [summary_row("nha_dai_doan_ket_xay_moi", None, "nhà", 0),
            summary_row("nha_dai_doan_ket_sua_chua", 0, "nhà")]

    [_, body] = theme_paragraphs(totals(rows), "2022-H1")

    assert body.text == "Sửa chữa 0 nhà."


def test_coverage_paragraph_names_missing_then_late_then_errors():
    wards = pl.DataFrame({
        "ward_name": ["Phường A", "Phường B", "Phường C", "Phường D"],
        "district_name": ["Quận X"] * 4,
        "is_received": [True, False, True, True],
        "is_on_time": [True, False, False, True],
        "days_late": [0, None, 3, 0],
        "file_status": ["accepted", None, "accepted", "accepted_with_errors"],
        "values_dropped": [0, None, 0, 2],
    })

    paragraph = coverage_paragraph(wards, "phường")

    assert paragraph.text == ("Số liệu tổng hợp từ 3/4 phường; chưa nhận báo cáo của: Phường B. "
                              "Gửi báo cáo chậm: Phường C (3 ngày). Báo cáo có giá trị sai bị "
                              "loại (cần bổ sung): Phường D (2 giá trị).")


def test_ward_word_and_status():
    assert ward_word(["Phường Cát Linh", "Phường Hàng Bột"]) == "phường"
    assert ward_word(["Xã Tản Lĩnh", "Thị trấn Tây Đằng"]) == "xã, thị trấn"
    assert ward_status({"is_received": True, "is_on_time": False, "days_late": 4,
                        "file_status": "accepted_with_errors", "values_dropped": 1}) == \
        "Trễ 4 ngày; Có 1 giá trị lỗi bị loại"


def test_indicator_groups_keep_an_indicator_no_theme_names():
    catalog = pl.DataFrame({"indicator_code": ["quy_vi_nguoi_ngheo", "new_indicator"],
                            "indicator_name": ["Quỹ", "Mới"], "unit": ["VND", "cuộc"],
                            "sort_order": [1, 2]})

    groups = indicator_groups(catalog)

    assert [(theme, [r["indicator_code"] for r in rows]) for theme, rows in groups] == [
        ("Quỹ và an sinh xã hội", ["quy_vi_nguoi_ngheo"]), (OTHER_THEME, ["new_indicator"])]
