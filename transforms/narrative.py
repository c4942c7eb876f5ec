"""The narrative draft of a conference report (pure): mart frames in, paragraphs out.

Paragraphs follow the themes and the register of the published conference reports ("Ủy ban
MTTQ các phường vận động Quỹ "Vì người nghèo" được trên 5,3 tỷ đồng…; Ban Thanh tra nhân dân
giám sát 354 cuộc, phát hiện 59 vụ vi phạm…"). Every number in the text is a `Figure` that
knows the mart value it stands for, so a test can read each back with the project's parser.

Decisions:
- A clause whose indicator no ward reported is left out (blank is not zero); a sentence with
  no clause left is left out.
- A figure whose total covers fewer wards than expected says so: "(số liệu của 15/17 phường)".
- The change against the same period of the previous year is given for the headline figures
  (CHANGE_SHOWN) when that period has a non-zero figure; the percentage is rounded to one
  decimal from the two mart values.
- The coverage sentence names every ward that has not reported (the city's: up to
  MAX_NAMED, then how many more), then late wards and wards with dropped values.
"""

from dataclasses import dataclass

import polars as pl

from transforms.periods import period_label
from transforms.vn_format import format_change, format_number, format_percent, percent_change

CHANGE_SHOWN = {"quy_vi_nguoi_ngheo", "chi_quy_vi_nguoi_ngheo", "quy_vi_bien_dao",
                "quy_den_on_dap_nghia", "nha_dai_doan_ket_xay_moi", "tuyen_truyen_cuoc",
                "giam_sat_cuoc", "ttnd_giam_sat_cuoc", "ttnd_vu_vi_pham"}
MAX_NAMED = 30
WARD_KINDS = (("Phường ", "phường"), ("Xã ", "xã"), ("Thị trấn ", "thị trấn"))


@dataclass(frozen=True)
class Figure:
    """A number in the text: `text` as written, the mart `value` it stands for."""

    text: str
    kind: str  # value (an indicator's total) / ratio / change (percent) / coverage (wards)
    indicator_code: str | None = None
    value: float | None = None
    unit: str | None = None  # the catalog unit `text` is read with


@dataclass(frozen=True)
class Paragraph:
    style: str  # title / heading / body
    parts: tuple[str | Figure, ...]

    @property
    def text(self) -> str:
        return "".join(p.text if isinstance(p, Figure) else p for p in self.parts)

    @property
    def figures(self) -> list[Figure]:
        return [p for p in self.parts if isinstance(p, Figure)]


@dataclass(frozen=True)
class UnitTotals:
    """One unit's totals: the period's summary rows, last year's, and the approximate flags."""

    rows: dict[str, dict]  # indicator_code -> summary row
    previous: dict[str, dict]
    approximate: set[str]
    ward_word: str  # phường / xã / phường, xã, thị trấn


def ward_word(ward_names: list[str]) -> str:
    """What the wards are called together: `phường`, `xã`, or `phường, xã, thị trấn`."""
    kinds = [word for prefix, word in WARD_KINDS
             if any((name or "").startswith(prefix) for name in ward_names)]
    return ", ".join(kinds) or "phường, xã"


class _Writer:
    """Builds sentences from text and figures of one unit's totals."""

    def __init__(self, totals: UnitTotals):
        self.totals = totals

    def value(self, code: str, with_unit: bool = True, tail: str = "") -> list:
        """[Figure, tail, then coverage and change in brackets] for an indicator, or [] when
        no ward reported it."""
        row = self.totals.rows.get(code)
        if row is None or row["value"] is None or row["wards_reporting"] == 0:
            return []
        unit = row["unit"]
        if unit == "%":  # a ratio: rounded to one decimal, never "trên"
            parts: list = [Figure(format_percent(row["value"]), "ratio", code, row["value"], unit)]
        else:
            text = format_number(row["value"], unit if with_unit else None,
                                 code in self.totals.approximate)
            parts = [Figure(text, "value", code, row["value"], unit)]
        notes: list = []
        if row["wards_reporting"] < row["wards_expected"]:
            notes += ["số liệu của ", Figure(str(row["wards_reporting"]), "coverage", code,
                                             row["wards_reporting"]),
                      "/", Figure(str(row["wards_expected"]), "coverage", code,
                                  row["wards_expected"]),
                      f" {self.totals.ward_word}"]
        before = self.totals.previous.get(code)
        if code in CHANGE_SHOWN and before and before["value"]:
            words = format_change(row["value"], before["value"])
            if words:
                notes += ["; " if notes else "",
                          Figure(words, "change", code,
                                 percent_change(row["value"], before["value"]), "%")]
        return parts + [tail] + ([" ("] + notes + [")"] if notes else [])

    def sentence(self, *clauses: tuple) -> list:
        """Clauses (lead text, indicator code, trailing text[, False: no unit word]) joined
        with `, ` and ended with `.`; a clause whose indicator no ward reported is dropped
        ([] when none is left)."""
        pieces = [[clause[0], *figure] for clause in clauses
                  if (figure := self.value(clause[1], *clause[3:], tail=clause[2]))]
        parts: list = []
        for i, piece in enumerate(pieces):
            parts += ([", "] if i else []) + piece
        return parts + ["."] if parts else []


def _capitalised(parts: list) -> list:
    for i, part in enumerate(parts):
        if isinstance(part, str) and part:
            return parts[:i] + [part[0].upper() + part[1:]] + parts[i + 1:]
    return parts


def _in_period(period: str) -> str:
    label = period_label(period)
    return label if label.startswith("Quý") else label[0].lower() + label[1:]


def theme_paragraphs(totals: UnitTotals, period: str) -> list[Paragraph]:
    """The body: one heading and paragraph per theme that has a figure."""
    w = _Writer(totals)
    word = totals.ward_word
    themes = [
        ("1. Công tác vận động Quỹ và an sinh xã hội", [
            w.sentence((f"Trong {_in_period(period)}, Ủy ban MTTQ các {word} vận động "
                        "Quỹ \"Vì người nghèo\" được ", "quy_vi_nguoi_ngheo", ""),
                       ("chi Quỹ \"Vì người nghèo\" ", "chi_quy_vi_nguoi_ngheo", ""),
                       ("hỗ trợ khám chữa bệnh ", "chi_kham_chua_benh", ""),
                       ("hỗ trợ học sinh học tập ", "chi_ho_tro_hoc_tap", "")),
            w.sentence(("vận động Quỹ \"Vì biển, đảo Việt Nam\" được ", "quy_vi_bien_dao", ""),
                       ("Quỹ \"Đền ơn đáp nghĩa\" được ", "quy_den_on_dap_nghia", ""),
                       ("Quỹ Cứu trợ được ", "quy_cuu_tro", ""),
                       ("Quỹ vắc-xin và phòng, chống dịch COVID-19 được ",
                        "quy_phong_chong_dich", ""),
                       ("Chương trình \"Sóng và máy tính cho em\" được ",
                        "song_may_tinh_cho_em", "")),
            w.sentence(("hỗ trợ ", "ho_kho_khan_duoc_ho_tro", " khó khăn"),
                        ("tổng giá trị hỗ trợ (tiền và hiện vật quy đổi) ", "gia_tri_ho_tro", ""),
                        ("gạo hỗ trợ ", "gao_ho_tro", "")),
        ]),
        ("2. Vận động xây dựng, sửa chữa nhà đại đoàn kết", [
            w.sentence(("xây mới ", "nha_dai_doan_ket_xay_moi", " đại đoàn kết"),
                       ("sửa chữa ", "nha_dai_doan_ket_sua_chua", "")),
        ]),
        ("3. Công tác tuyên truyền, vận động", [
            w.sentence(("tổ chức ", "tuyen_truyen_cuoc", " tuyên truyền, vận động"),
                       ("thu hút ", "tuyen_truyen_luot_nguoi", " người tham gia"),
                       ("tổ chức ", "hoi_cho_hang_viet", " hội chợ, phiên chợ hàng Việt")),
        ]),
        ("4. Công tác giám sát và phản biện xã hội", [
            w.sentence(("tổ chức ", "giam_sat_cuoc", " giám sát"),
                       ("", "phan_bien_xa_hoi_cuoc", " phản biện xã hội"),
                       ("", "doi_thoai_cuoc", " đối thoại giữa người đứng đầu cấp ủy, chính "
                        "quyền với Nhân dân"),
                       ("phối hợp tổ chức ", "tiep_xuc_cu_tri_cuoc", " tiếp xúc cử tri"),
                       ("tiếp nhận ", "kien_nghi_cu_tri", ", kiến nghị của cử tri")),
        ]),
        ("5. Hoạt động của Ban Thanh tra nhân dân và Ban Giám sát đầu tư của cộng đồng", [
            w.sentence(("Ban Thanh tra nhân dân giám sát ", "ttnd_giam_sat_cuoc", ""),
                       ("phát hiện ", "ttnd_vu_vi_pham", " vi phạm"),
                       ("kiến nghị xử lý ", "ttnd_vu_kien_nghi", ""),
                       ("đã giải quyết ", "ttnd_vu_da_giai_quyet", "")),
            w.sentence(("Ban Giám sát đầu tư của cộng đồng giám sát ", "gsdtcd_cong_trinh", ""),
                       ("phát hiện ", "gsdtcd_vi_pham", " vi phạm"),
                       ("đã khắc phục ", "gsdtcd_da_khac_phuc", "")),
        ]),
        ("6. Thực hiện nếp sống văn minh trong việc tang, xây dựng gia đình văn hóa", [
            w.sentence(("số đám tang: ", "tang_le_so_ca", ""),
                       ("số ca hỏa táng: ", "tang_le_hoa_tang", ""),
                       ("tỷ lệ hỏa táng đạt ", "ty_le_hoa_tang", "")),
            w.sentence(("tổng số hộ gia đình: ", "ho_gia_dinh", ""),
                       ("hộ đạt danh hiệu Gia đình văn hóa: ", "ho_gia_dinh_van_hoa", ""),
                       ("tỷ lệ đạt ", "ty_le_gia_dinh_van_hoa", "")),
        ]),
        ("7. Công tác tổ chức", [
            w.sentence(("Ủy ban MTTQ có ", "uy_vien_uy_ban", " ủy viên", False),
                       ("", "ban_cong_tac_mat_tran", " công tác Mặt trận khu dân cư")),
        ]),
    ]
    paragraphs = []
    for heading, sentences in themes:
        body: list = []
        for sentence in sentences:
            if sentence:
                body += ([" "] if body else []) + _capitalised(sentence)
        if body:
            paragraphs += [Paragraph("heading", (heading,)), Paragraph("body", tuple(body))]
    return paragraphs


def coverage_paragraph(wards: pl.DataFrame, word: str, with_district: bool = False
                       ) -> Paragraph:
    """"Số liệu tổng hợp từ 19/21 phường; chưa nhận báo cáo của: …", then late wards and wards
    with dropped values. `wards`: the unit's mart.ward_completeness rows, in order."""
    def count(number: int) -> Figure:
        return Figure(str(number), "coverage", value=number)

    def listed(rows: list[dict], detail: str | None = None, unit: str = "") -> list:
        parts: list = []
        for i, row in enumerate(rows[:MAX_NAMED]):
            name = row["ward_name"]
            if with_district and row["district_name"]:
                name = f"{name} ({row['district_name']})"
            parts += [", " if i else "", name]
            if detail:
                parts += [" (", count(row[detail] or 0), f" {unit})"]
        if len(rows) > MAX_NAMED:
            parts += [" và ", count(len(rows) - MAX_NAMED), " đơn vị khác"]
        return parts

    rows = wards.to_dicts()
    received = [r for r in rows if r["is_received"]]
    missing = [r for r in rows if not r["is_received"]]
    late = [r for r in received if not r["is_on_time"]]
    with_errors = [r for r in received if r["file_status"] == "accepted_with_errors"]
    parts: list = ["Số liệu tổng hợp từ báo cáo của " if not missing else
                   "Số liệu tổng hợp từ ", count(len(received)), "/", count(len(rows)),
                   f" {word}"]
    if missing:
        parts += ["; chưa nhận báo cáo của: ", *listed(missing)]
    parts.append(".")
    if late:
        parts += [" Gửi báo cáo chậm: ", *listed(late, "days_late", "ngày"), "."]
    if with_errors:
        parts += [" Báo cáo có giá trị sai bị loại (cần bổ sung): ",
                  *listed(with_errors, "values_dropped", "giá trị"), "."]
    return Paragraph("body", tuple(parts))


def unit_totals(summary: pl.DataFrame, unit_code: str, period: str, previous: str,
                approximate: set[str], word: str) -> UnitTotals:
    """The UnitTotals of one unit from a summary frame holding both periods."""
    rows = summary.filter(pl.col("unit_code") == unit_code)
    by_code = lambda p: {r["indicator_code"]: r  # noqa: E731
                         for r in rows.filter(pl.col("period") == p).iter_rows(named=True)}
    return UnitTotals(by_code(period), by_code(previous), approximate, word)


def narrative(unit_name: str, period: str, totals: UnitTotals, wards: pl.DataFrame,
              with_district: bool = False) -> list[Paragraph]:
    """The whole draft for one unit: title, coverage, then the themes."""
    return [
        Paragraph("title", (f"DỰ THẢO BÁO CÁO KẾT QUẢ CÔNG TÁC MẶT TRẬN "
                            f"{period_label(period).upper()}",)),
        Paragraph("title", (f"Ủy ban MTTQ Việt Nam {unit_name}",)),
        coverage_paragraph(wards, totals.ward_word, with_district),
        *theme_paragraphs(totals, period),
        Paragraph("body", ("Số liệu do hệ thống mttq tổng hợp tự động từ báo cáo của các đơn "
                           "vị; đề nghị rà soát trước khi sử dụng.",)),
    ]


def to_markdown(paragraphs: list[Paragraph]) -> str:
    """The draft as Markdown: titles as `#`, headings as `##`."""
    lines = []
    for i, paragraph in enumerate(paragraphs):
        prefix = {"title": "# " if i == 0 else "**", "heading": "## "}.get(paragraph.style, "")
        suffix = "**" if prefix == "**" else ""
        lines += [f"{prefix}{paragraph.text}{suffix}", ""]
    return "\n".join(lines)
