"""End to end: the conference pack of a real nightly run, read back and compared with the mart.

The generated inbox has two districts (Đống Đa, Tây Hồ) and two third quarters; one Đống Đa
ward never reports 2021-Q3, and another sends a CSV whose note and one value are
`=HYPERLINK(...)` text. Expected numbers come from the published DuckDB file, never typed here
(the demo's wards may change).
"""

import json
import os
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest
from docx import Document

from flows.nightly import nightly
from flows.pack import units_of, write_reports
from transforms.numbers import parse_number
from transforms.pack import total_flags
from transforms.periods import period_label
from warehouse import reference
from warehouse.pack_data import connect_published, load_pack_data
from warehouse.pack_files import unit_paragraphs
from warehouse.sample_inbox import district_era_wards, plan_inbox, write_inbox

PERIOD = "2021-Q3"
DISTRICT = "006"
HYPERLINK = '=HYPERLINK("http://x","y")'
MTTQ = str(Path(__file__).parents[2] / ".venv" / "bin" / "mttq")


@pytest.fixture(scope="module")
def pack_run(tmp_path_factory, prefect_harness):
    data_dir = tmp_path_factory.mktemp("pack")
    wards = district_era_wards(district_codes=[DISTRICT, "003"])
    planned = plan_inbox(wards, ["2021-Q3", "2022-Q3"], seed=11, special_cases=False)
    dong_da = wards.filter(pl.col("district_code") == DISTRICT).sort("ward_code")
    silent, formula_ward = dong_da["ward_code"][2], dong_da["ward_code"][4]
    planned = [f for f in planned if not (f.ward_code in (silent, formula_ward)
                                          and f.period == PERIOD)]
    write_inbox(data_dir / "inbox", planned, reference.load_indicators())
    rows = [f"{formula_ward},{PERIOD},2021-10-05,quy_vi_nguoi_ngheo,15000000,VND,{_csv(HYPERLINK)}",
            f"{formula_ward},{PERIOD},2021-10-05,giam_sat_cuoc,{_csv(HYPERLINK)},cuộc,",
            f"{formula_ward},{PERIOD},2021-10-05,nha_dai_doan_ket_xay_moi,2,nhà,"]
    (data_dir / "inbox" / "=1+1 bao cao.csv").write_text(
        "ma_don_vi,ky_bao_cao,ngay_lap,ma_chi_tieu,gia_tri,don_vi_tinh,ghi_chu\n"
        + "\n".join(rows) + "\n", encoding="utf-8")
    arrived = datetime(2021, 10, 5, 9, 0).timestamp()  # on time, as a ward would have sent it
    os.utime(data_dir / "inbox" / "=1+1 bao cao.csv", (arrived, arrived))
    result = nightly(data_dir=str(data_dir))
    return data_dir, result, silent, formula_ward


def _csv(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def query(data_dir: Path, sql: str, params=None) -> pl.DataFrame:
    con = duckdb.connect(str(data_dir / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        return con.sql(sql, params=params).pl()
    finally:
        con.close()


def pack_file(data_dir: Path, stem: str, suffix: str, period: str = PERIOD) -> Path:
    [path] = (data_dir / "reports" / period).glob(f"{stem} *{suffix}")
    return path


def summary_sheets(path: Path) -> list:
    book = openpyxl.load_workbook(path)
    return [book[name] for name in book.sheetnames if re.fullmatch(r"Biểu \d+", name)]


def column_codes(sheet) -> dict[str, int]:
    """indicator code -> column, from the code row under the header (row 6)."""
    return {cell.value: cell.column for cell in sheet[6] if cell.value and "_" in cell.value}


def row_of(sheet, label_start: str) -> int:
    return next(r for r in range(1, sheet.max_row + 1)
                if str(sheet.cell(r, 1).value or "").startswith(label_start))


# --- the district workbook --------------------------------------------------------------------

def test_district_workbook_total_row_equals_district_summary(pack_run):
    data_dir, *_ = pack_run
    expected = query(data_dir, "select indicator_code, value, wards_reporting, wards_expected "
                     "from mart.district_summary where period = ? and unit_code = ?",
                     [PERIOD, DISTRICT])
    found = {}
    for sheet in summary_sheets(pack_file(data_dir, DISTRICT, ".xlsx")):
        total = row_of(sheet, "Tổng cộng")
        for code, column in column_codes(sheet).items():
            found[code] = (sheet.cell(total, column).value,
                           sheet.cell(total + 1, column).value)
    assert set(found) == set(expected["indicator_code"])  # every catalog indicator, once
    for row in expected.iter_rows(named=True):
        value, coverage = found[row["indicator_code"]]
        assert value == (pytest.approx(row["value"]) if row["value"] is not None else None)
        assert coverage == f"{row['wards_reporting']}/{row['wards_expected']}"


def test_district_workbook_ward_rows_equal_ward_values_in_official_order(pack_run):
    data_dir, _, silent, _ = pack_run
    wards = query(data_dir, "select ward_code, ward_name from mart.ward_completeness "
                  "where period = ? and district_code = ? order by ward_order",
                  [PERIOD, DISTRICT])
    values = {(r["ward_code"], r["indicator_code"]): r["value"] for r in query(
        data_dir, "select ward_code, indicator_code, value from core.ward_values "
        "where period = ?", [PERIOD]).iter_rows(named=True)}
    checked = 0
    for sheet in summary_sheets(pack_file(data_dir, DISTRICT, ".xlsx")):
        codes = column_codes(sheet)
        ward_cells = [sheet.cell(r, 2).value for r in range(7, 7 + wards.height)]
        assert ward_cells == wards["ward_code"].to_list()
        for r, ward in enumerate(wards["ward_code"], 7):
            for code, column in codes.items():
                assert sheet.cell(r, column).value == values.get((ward, code)), (ward, code)
                checked += 1
        silent_row = 7 + wards["ward_code"].to_list().index(silent)
        assert sheet.cell(silent_row, 4).value == "Chưa gửi"
    assert checked == wards.height * 37


def test_district_workbook_is_print_ready(pack_run):
    data_dir, *_ = pack_run
    for sheet in summary_sheets(pack_file(data_dir, DISTRICT, ".xlsx")):
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.print_title_rows == "$4:$6"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.freeze_panes == "D7"


def test_district_workbook_compares_with_the_same_period_last_year(pack_run):
    data_dir, *_ = pack_run
    both = query(data_dir, "select period, value from mart.district_summary where unit_code = ? "
                 "and indicator_code = 'quy_vi_nguoi_ngheo' and period in ('2021-Q3', '2022-Q3')",
                 [DISTRICT])
    now, before = (both.filter(pl.col("period") == p)["value"].item()
                   for p in ("2022-Q3", "2021-Q3"))
    sheet = openpyxl.load_workbook(pack_file(data_dir, DISTRICT, ".xlsx", "2022-Q3"))[
        "So sánh cùng kỳ"]
    row = next(r for r in range(1, sheet.max_row + 1)
               if sheet.cell(r, 2).value == 'Vận động Quỹ "Vì người nghèo"')
    assert [sheet.cell(row, c).value for c in (4, 5, 6)] == [
        pytest.approx(now), pytest.approx(before), pytest.approx(now - before)]
    assert sheet.cell(row, 7).value == pytest.approx((now - before) / before)


# --- the city workbook ------------------------------------------------------------------------

def test_city_workbook_total_row_equals_city_summary_and_clusters_rank(pack_run):
    data_dir, *_ = pack_run
    expected = dict(query(data_dir, "select indicator_code, value from mart.city_summary "
                          "where period = ?", [PERIOD]).iter_rows())
    path = pack_file(data_dir, "01", ".xlsx")
    for sheet in summary_sheets(path):
        total = row_of(sheet, "Tổng cộng")
        for code, column in column_codes(sheet).items():
            assert sheet.cell(total, column).value == pytest.approx(expected[code])
    book = openpyxl.load_workbook(path)
    clusters = query(data_dir, "select distinct cluster_name from core.clusters")["cluster_name"]
    assert set(clusters) <= set(book.sheetnames)
    # Cụm số 2 ranks its districts: on each indicator the highest value is 1
    cluster = book["Cụm số 2"]
    members = query(data_dir, "select district_code from core.clusters where cluster_name = "
                    "'Cụm số 2'")["district_code"].to_list()
    fund = query(data_dir, "select unit_code, value from mart.district_summary where period = ? "
                 "and indicator_code = 'quy_vi_nguoi_ngheo' and value is not null and "
                 "list_contains(?, unit_code)", [PERIOD, members])
    row = next(r for r in range(5, cluster.max_row + 1)
               if cluster.cell(r, 1).value == 'Vận động Quỹ "Vì người nghèo"')
    pairs = [(cluster.cell(row, c).value, cluster.cell(row, c + 1).value)
             for c in range(3, cluster.max_column + 1, 2)]
    ranked = sorted((p for p in pairs if p[0] is not None), key=lambda p: -p[0])
    assert [rank for _, rank in ranked] == list(range(1, fund.height + 1))
    assert sorted(v for v, _ in ranked) == pytest.approx(sorted(fund["value"]))
    with zipfile.ZipFile(path) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) == 8  # 4 district comparisons, 4 quarter trends


# --- the narrative ----------------------------------------------------------------------------

def _last_digit_unit(text: str, parsed: float) -> Decimal:
    number = re.search(r"(-?[\d.]+(?:,\d+)?)", text).group(1)
    written = Decimal(number.replace(".", "").replace(",", "."))
    decimals = len(number.split(",")[1]) if "," in number else 0
    return Decimal(1).scaleb(-decimals) * (Decimal(repr(parsed)) / written if written else 1)


@pytest.fixture(scope="module")
def drafts(pack_run):
    """(period, level, code, paragraphs) of every unit of both third quarters."""
    data_dir, *_ = pack_run
    con = connect_published(data_dir / "warehouse" / "mttq.duckdb")
    try:
        out = []
        for period in ("2021-Q3", "2022-Q3"):
            data = load_pack_data(con, period)
            flags = total_flags(data.ward_values, data.ward_completeness)
            out += [(period, level, code, unit_paragraphs(data, level, code, name, flags))
                    for level, code, name in units_of(data)]
        return out
    finally:
        con.close()


def test_narrative_every_number_equals_a_mart_value(pack_run, drafts):
    data_dir, *_ = pack_run
    summaries = query(data_dir, "select period, unit_code, indicator_code, value, "
                      "wards_reporting, wards_expected from mart.district_summary union all "
                      "select period, unit_code, indicator_code, value, wards_reporting, "
                      "wards_expected from mart.city_summary")
    mart = {(r["period"], r["unit_code"], r["indicator_code"]): r
            for r in summaries.iter_rows(named=True)}
    checked = {"value": 0, "ratio": 0, "change": 0, "coverage": 0}
    for period, _, code, paragraphs in drafts:
        for paragraph in paragraphs:
            rest = paragraph.text.replace("COVID-19", "COVID")  # a name, not a figure
            for figure in paragraph.figures:
                # the figure itself, whole, not the same digits inside another one
                rest = re.sub(rf"(?<![\d.,]){re.escape(figure.text)}(?![\d])", "\0", rest,
                              count=1)
                checked[figure.kind] += 1
                if figure.kind in ("value", "ratio"):
                    row = mart[(period, code, figure.indicator_code)]
                    parsed = parse_number(figure.text, None, figure.unit)
                    assert parsed.error_code is None, figure.text
                    if figure.kind == "ratio":
                        assert parsed.value == pytest.approx(row["value"], abs=0.05)
                    elif parsed.is_approximate:  # `trên X`: X ≤ value < X + one last digit
                        assert parsed.value <= row["value"] + 1e-6, figure.text
                        assert Decimal(repr(row["value"])) < Decimal(repr(parsed.value)) + \
                            _last_digit_unit(figure.text, parsed.value), figure.text
                    else:
                        assert parsed.value == pytest.approx(row["value"]), figure.text
                elif figure.kind == "change":
                    now = mart[(period, code, figure.indicator_code)]["value"]
                    before = mart[(f"{int(period[:4]) - 1}{period[4:]}", code,
                                   figure.indicator_code)]["value"]
                    if figure.text == "bằng cùng kỳ":  # the same as a year before
                        assert round(100 * (now - before) / before, 1) == 0
                        continue
                    percent = parse_number(re.search(r"[\d.,]+%", figure.text).group(0),
                                           None, "%").value
                    assert percent == pytest.approx(round(abs(100 * (now - before) / before), 1))
                    assert figure.text.startswith("tăng" if now > before else "giảm")
            # no number in the text that is not a figure (but the period's own label)
            rest = rest.replace("\0", "")
            rest = rest.replace(period_label(period).upper(), "").replace(period_label(period), "")
            assert paragraph.style == "heading" or not re.search(r"\d", rest), rest
    assert checked["value"] > 100 and checked["ratio"] > 0 and checked["change"] > 0


def test_narrative_coverage_names_exactly_the_missing_wards(pack_run, drafts):
    data_dir, _, silent, _ = pack_run
    for period, level, code, paragraphs in drafts:
        where = "district_code = ?" if level == "district" else "province_code = ?"
        wards = query(data_dir, f"select ward_name, is_received from mart.ward_completeness "
                      f"where period = ? and {where} order by district_code, ward_order",
                      [period, code])
        coverage = paragraphs[2].text
        received = int(wards["is_received"].sum())
        assert coverage.startswith("Số liệu tổng hợp từ ")
        assert f" {received}/{wards.height} " in coverage
        missing = wards.filter(~pl.col("is_received"))["ward_name"].to_list()
        named = re.search(r"chưa nhận báo cáo của: ([^.]*)\.", coverage)
        if not missing:
            assert named is None
            continue
        listed = named.group(1)
        if len(missing) > 30:  # the city names 30, then says how many more
            listed, more = listed.rsplit(" và ", 1)
            assert more == f"{len(missing) - 30} đơn vị khác"
        assert [n.split(" (")[0] for n in listed.split(", ")] == missing[:30]
    dong_da = next(p for period, _, code, p in drafts if period == PERIOD and code == DISTRICT)
    silent_name = query(data_dir, "select ward_name from mart.ward_completeness where ward_code "
                        "= ? and period = ?", [silent, PERIOD])["ward_name"].item()
    assert f"chưa nhận báo cáo của: {silent_name}." in dong_da[2].text


def test_narrative_docx_and_md_hold_the_checked_text(pack_run, drafts):
    data_dir, *_ = pack_run
    paragraphs = next(p for period, _, code, p in drafts if period == PERIOD and code == DISTRICT)
    document = Document(str(pack_file(data_dir, DISTRICT, ".docx")))
    assert [p.text for p in document.paragraphs] == [p.text for p in paragraphs]
    markdown = pack_file(data_dir, DISTRICT, ".md").read_text(encoding="utf-8")
    assert all(p.text in markdown for p in paragraphs)
    assert "Ban Thanh tra nhân dân giám sát " in markdown


# --- formula safety -----------------------------------------------------------------------------

def test_formula_text_from_a_ward_file_stays_text_everywhere(pack_run):
    data_dir, _, _, formula_ward = pack_run
    books = sorted((data_dir / "reports").rglob("*.xlsx"))
    assert books
    seen_as_text = 0
    for path in books:
        for sheet in openpyxl.load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (path.name, sheet.title, cell.coordinate)
                    if cell.value in (HYPERLINK, "=1+1 bao cao.csv"):
                        seen_as_text += 1
    assert seen_as_text >= 2  # the file name and the dropped value, in Đống Đa's workbook
    status = query(data_dir, "select file_status, values_dropped, file_name from "
                   "mart.ward_completeness where ward_code = ? and period = ?",
                   [formula_ward, PERIOD]).row(0)
    assert status == ("accepted_with_errors", 1, "=1+1 bao cao.csv")


# --- the nightly run's pack ---------------------------------------------------------------------

def test_nightly_writes_every_period_then_only_the_changed_units(pack_run, tmp_path):
    data_dir, result, *_ = pack_run
    reported = query(data_dir, "select period from mart.ward_completeness group by period "
                     "having bool_or(is_received)")["period"].to_list()
    assert sorted(result["pack_periods"]) == sorted(reported) == ["2021-Q3", "2022-Q3"]
    assert len(result["pack_files"]) == len(reported) * 3 * 3  # 2 districts + the city, 3 files
    # a copy of the data, one corrected file for 2022-Q3: only its district's and the city's
    # files of that period are written again
    copy = tmp_path / "copy"
    shutil.copytree(data_dir, copy, symlinks=True)
    inodes = lambda: {p.relative_to(copy / "reports"): p.stat().st_ino  # noqa: E731
                      for p in (copy / "reports").rglob("*") if p.suffix in (".xlsx", ".docx",
                                                                              ".md")}
    before = inodes()
    source = next(p for p in sorted((copy / "inbox").rglob("BC_2022-Q3_*.xlsx"))
                  if "Tay_Ho" in str(p))
    resubmitted = source.with_name("resubmitted " + source.name)
    shutil.copyfile(source, resubmitted)
    workbook = openpyxl.load_workbook(resubmitted)
    sheet = workbook.active
    value_cell = next(r[4] for r in sheet.iter_rows() if r[1].value == "giam_sat_cuoc")
    value_cell.value = 999
    date_cell = next(r[2] for r in sheet.iter_rows() if str(r[0].value).startswith("Ngày lập"))
    date_cell.value = "31/12/2022"
    workbook.save(resubmitted)
    second = nightly(data_dir=str(copy))
    assert second["files_new"] == 1 and second["pack_periods"] == ["2022-Q3"]
    after = inodes()
    assert sorted(str(p) for p in after if after[p] != before[p]) == sorted(
        f"2022-Q3/{stem}{suffix}" for stem in ("003 Quận Tây Hồ", "01 Thành phố Hà Nội")
        for suffix in (".xlsx", ".docx", ".md"))
    assert not [p for p in (copy / "reports").iterdir() if p.name.startswith(".")]
    giam_sat = query(copy, "select value from mart.district_summary where unit_code = '003' "
                     "and period = '2022-Q3' and indicator_code = 'giam_sat_cuoc'")["value"].item()
    sheets = summary_sheets(pack_file(copy, "003", ".xlsx", "2022-Q3"))
    sheet = next(s for s in sheets if "giam_sat_cuoc" in column_codes(s))
    assert sheet.cell(row_of(sheet, "Tổng cộng"), column_codes(sheet)["giam_sat_cuoc"]).value \
        == pytest.approx(giam_sat)


def test_nightly_publishes_the_summary_and_completeness_artifacts(pack_run):
    from prefect import get_client

    data_dir, result, *_ = pack_run

    async def artifacts():
        async with get_client() as client:
            return await client.read_artifacts()

    import asyncio

    # this run's own: other tests of the session run the nightly flow too
    flow_run_id = query(data_dir, "select flow_run_id from ops.runs where run_id = "
                        f"'{result['run_id']}'")["flow_run_id"].item()
    found = {a.key: a for a in asyncio.run(artifacts()) if str(a.flow_run_id) == flow_run_id}
    assert {"run-summary", "completeness"} <= set(found)
    summary = found["run-summary"].data
    assert f"Run {result['run_id']}" in summary and "Conference pack" in summary
    table = found["completeness"].data
    rows = json.loads(table) if isinstance(table, str) else table
    districts = query(data_dir, "select count(distinct district_code) n from "
                      "mart.ward_completeness")["n"].item()
    assert len(rows) == districts + 1 and {"003", "006", "01"} <= {r["unit_code"] for r in rows}
    dong_da = next(r for r in rows if r["unit_code"] == "006")
    assert dong_da["period"] == "2022-Q3"  # the latest quarter some ward reported
    assert dong_da["wards_received"] == query(
        data_dir, "select wards_received from mart.completeness where level = 'district' and "
        "unit_code = '006' and period = '2022-Q3'")["wards_received"].item()


# --- the command line ---------------------------------------------------------------------------

def test_mttq_report_writes_one_unit_and_says_what_is_wrong(pack_run, tmp_path):
    data_dir, *_ = pack_run
    done = subprocess.run([MTTQ, "report", "--period", "Quý III/2021", "--unit", DISTRICT,
                           "-o", str(tmp_path), "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in (tmp_path / PERIOD).iterdir()) == [
        ".fingerprint", *(f"{DISTRICT} Quận Đống Đa{s}" for s in (".docx", ".md", ".xlsx"))]
    wrong = subprocess.run([MTTQ, "report", "--period", "2019-Q3", "--data-dir", str(data_dir)],
                           capture_output=True, text=True, timeout=120)
    assert wrong.returncode == 1
    assert "Không có số liệu kỳ 2019-Q3" in wrong.stdout and "No data for 2019-Q3" in wrong.stdout
    assert "Traceback" not in wrong.stdout + wrong.stderr
    status = subprocess.run([MTTQ, "status", "--data-dir", str(data_dir)], capture_output=True,
                            text=True, timeout=120)
    assert f"Báo cáo hội nghị / Reports: {data_dir / 'reports'} (2 kỳ / periods: 2021-Q3 … " \
        "2022-Q3)" in " ".join(status.stdout.split())


def test_write_reports_unknown_unit_is_an_error_in_words(pack_run):
    from flows.pack import PackError

    data_dir, *_ = pack_run
    with pytest.raises(PackError, match="Không có đơn vị 999 trong kỳ 2021-Q3"):
        write_reports(data_dir, [PERIOD], unit="999")


def test_a_unit_is_never_made_from_a_newer_published_file_than_its_pack(pack_run, tmp_path):
    from warehouse.pack_data import PublishedFileChanged, file_version
    from warehouse.pack_files import forget, write_published_unit

    data_dir, *_ = pack_run
    published = data_dir / "warehouse" / "mttq.duckdb"
    current = file_version(published)
    forget()
    written = write_published_unit(published, current, tmp_path, PERIOD, "district", DISTRICT,
                                   "Quận Đống Đa")
    assert [path.name for path in written] == [
        f"{DISTRICT} Quận Đống Đa{suffix}" for suffix in (".xlsx", ".docx", ".md")]
    replaced = (current[0], current[1] - 1, current[2])  # the file the pack began with
    with pytest.raises(PublishedFileChanged):
        write_published_unit(published, replaced, tmp_path, PERIOD, "district", DISTRICT,
                             "Quận Đống Đa")
    forget()


# --- a real office suite ------------------------------------------------------------------------

def _to_pdf(source: Path, out: Path) -> Path:
    """LibreOffice headless, Vietnamese locale, a profile of its own (no clash with another
    soffice running on the machine)."""
    env = {"LC_ALL": "vi_VN.UTF-8", "LANG": "vi_VN.UTF-8", "HOME": str(out),
           "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{out}/profile", "--headless",
                           "--convert-to", "pdf", "--outdir", str(out), str(source)],
                          capture_output=True, text=True, timeout=300, env=env)
    pdf = out / f"{source.stem}.pdf"
    assert done.returncode == 0 and pdf.is_file(), done.stdout + done.stderr
    return pdf


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler-utils (make test-programs)")
def test_workbook_and_docx_open_in_libreoffice(pack_run, tmp_path):
    from transforms.vn_format import format_count

    data_dir, _, silent, _ = pack_run
    workbook = shutil.copyfile(pack_file(data_dir, DISTRICT, ".xlsx"), tmp_path / "bieu.xlsx")
    document = shutil.copyfile(pack_file(data_dir, DISTRICT, ".docx"), tmp_path / "du_thao.docx")
    sheets = openpyxl.load_workbook(workbook).sheetnames

    pdf = _to_pdf(workbook, tmp_path)
    text = _text(pdf)
    assert _pages(pdf) == len(sheets)  # every sheet fits one A4 page (fit to width)
    poor_fund = query(data_dir, "select value from mart.district_summary where period = ? and "
                      "unit_code = ? and indicator_code = 'quy_vi_nguoi_ngheo'",
                      [PERIOD, DISTRICT])["value"].item()
    assert "BIỂU TỔNG HỢP KẾT QUẢ CÔNG TÁC MẶT TRẬN QUÝ III/2021" in text
    assert "Tổng cộng Quận Đống Đa" in text
    assert format_count(poor_fund) in text  # shown the Vietnamese way, e.g. 3.203.000.000
    assert "Chưa gửi" in text

    pdf = _to_pdf(document, tmp_path)
    text = " ".join(_text(pdf).split())
    assert 1 <= _pages(pdf) <= 2
    assert "DỰ THẢO BÁO CÁO KẾT QUẢ CÔNG TÁC MẶT TRẬN QUÝ III/2021" in text
    assert "Ban Thanh tra nhân dân giám sát" in text
    silent_name = query(data_dir, "select ward_name from mart.ward_completeness where ward_code "
                        "= ? and period = ?", [silent, PERIOD])["ward_name"].item()
    assert f"chưa nhận báo cáo của: {silent_name}" in text
