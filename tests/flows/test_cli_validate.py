"""`mttq validate`, `mttq template` and `mttq run --strict` as an operator or a ward runs them."""

import json
from datetime import date

import duckdb
import pytest
from typer.testing import CliRunner

from flows.cli import app
from warehouse import reference
from warehouse.template import write_report_xlsx

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def report(tmp_path, name: str, values: dict, period: str = "Quý III/2021") -> str:
    catalog = reference.load_indicators().sort("sort_order").to_dicts()
    header = {"ward_name": "Phường Phúc Xá", "ward_code": "00001",
              "district_name": "Quận Ba Đình", "period_label": period,
              "report_date": date(2021, 10, 5), "author": "A"}
    return str(write_report_xlsx(tmp_path / name, header, catalog, values=values))


def test_validate_good_file_exits_0(tmp_path):
    path = report(tmp_path, "tot.xlsx", {"giam_sat_cuoc": 12, "quy_vi_nguoi_ngheo": "10,4 triệu"})
    result = invoke("validate", path)
    assert result.exit_code == 0, result.output
    assert result.output == f"{path}: accepted (00001, 2021-Q3)\n"


def test_validate_bad_value_names_file_code_place_and_both_messages(tmp_path):
    path = report(tmp_path, "loi.xlsx", {"giam_sat_cuoc": "1.2.3", "doi_thoai_cuoc": 3})
    result = invoke("validate", path)
    assert result.exit_code == 0  # accepted with errors: the file would still be loaded
    assert result.output.splitlines() == [
        f"{path}: accepted_with_errors (00001, 2021-Q3)",
        "  V_NOT_A_NUMBER [sheet 'Báo cáo', row 29, column E]",
        "    Giá trị '1.2.3' không phải là số. Hãy ghi số, ví dụ '1.084', '10,4 triệu'; để "
        "trống nếu không có số liệu.",
        "    Value '1.2.3' is not a number. Write a number such as '1.084' or '10,4 triệu'; "
        "leave it blank when there is no figure.",
    ]


def test_validate_strict_rejects_and_exits_1(tmp_path):
    path = report(tmp_path, "loi.xlsx", {"giam_sat_cuoc": "1.2.3", "doi_thoai_cuoc": 3})
    result = invoke("validate", "--strict", path)
    assert result.exit_code == 1
    assert f"{path}: rejected (00001, 2021-Q3)" in result.output
    assert "F_STRICT_VALUE_ERRORS [whole file]" in result.output
    assert "V_NOT_A_NUMBER [sheet 'Báo cáo', row 29, column E]" in result.output


def test_validate_rejected_files_exit_1_without_a_traceback(tmp_path):
    (tmp_path / "rong.xlsx").write_bytes(b"")
    (tmp_path / "rong.csv").write_bytes(b"")
    (tmp_path / "la_csv.xlsx").write_text("ma_don_vi,ky_bao_cao\n00001,2021-Q3\n")
    (tmp_path / "nfd.json").write_text(json.dumps({
        "ma_don_vi": "00001", "ky_bao_cao": "Qu\u0079\u0301 III/2021",
        "chi_tieu": {"giam_sat_cuoc": "1.2.3", "gao_ho_tro": "3 ta\u0302\u0301n",
                     "quy_cuu_tro": "9" * 40}}), encoding="utf-8")
    bad_period = report(tmp_path, "ky_sai.xlsx", {"giam_sat_cuoc": 1}, period="Quý V/2021")
    files = [str(tmp_path / n) for n in ("rong.xlsx", "rong.csv", "la_csv.xlsx", "nfd.json")]
    result = invoke("validate", *files, bad_period, str(tmp_path / "khong_co.xlsx"))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    out = result.output
    assert f"{files[0]}: rejected\n  F_EMPTY_FILE [whole file]\n    Tệp rỗng" in out
    assert f"{files[1]}: rejected\n  F_EMPTY_FILE [whole file]\n" in out  # same bytes, own entry
    assert "F_WRONG_FORMAT [whole file]\n    Nội dung tệp không khớp với đuôi tên tệp " \
           "(.xlsx ≠ CSV/text)." in out
    assert f"{files[3]}: accepted_with_errors (00001, 2021-Q3)\n" in out  # NFD period, 3 tấn
    assert "V_NOT_A_NUMBER [column chi_tieu.giam_sat_cuoc]" in out
    assert "V_TOO_LARGE [column chi_tieu.quy_cuu_tro]" in out
    assert f"{bad_period}: rejected (00001, —)\n  F_PERIOD_INVALID [sheet 'Báo cáo', row 7, " \
           "column C]\n    Không hiểu kỳ báo cáo 'Quý V/2021'" in out
    assert "F_NOT_FOUND [whole file]\n    Không tìm thấy tệp" in out
    assert out.count("F_EMPTY_FILE") == 2


def test_validate_a_folder_checks_every_file_in_it(tmp_path):
    (tmp_path / "a").mkdir()
    report(tmp_path / "a", "tot.xlsx", {"giam_sat_cuoc": 1})
    (tmp_path / "a" / "ghi_chu.docx").write_bytes(b"x")
    result = invoke("validate", str(tmp_path / "a"))
    assert result.exit_code == 1
    assert "tot.xlsx: accepted" in result.output
    assert "ghi_chu.docx: rejected\n  F_UNSUPPORTED_TYPE [whole file]" in result.output


def test_template_command_writes_a_file_validate_reads(tmp_path):
    output = tmp_path / "x.xlsx"
    result = invoke("template", "--ward", "00001", "--period", "Quý III/2021", "-o", str(output))
    assert result.exit_code == 0 and output.is_file()
    checked = invoke("validate", str(output))
    assert checked.exit_code == 1
    assert checked.output.splitlines()[:2] == [f"{output}: rejected (00001, 2021-Q3)",
                                               "  F_NO_VALUES [whole file]"]


def test_template_command_unknown_ward_says_so(tmp_path):
    result = invoke("template", "--ward", "99999", "--period", "2021-Q3", "-o",
                    str(tmp_path / "x.xlsx"))
    assert result.exit_code == 1
    assert "No ward with code '99999'" in result.output


@pytest.mark.slow
def test_run_strict_rejects_files_with_bad_values(tmp_path, prefect_harness):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    report(inbox, "loi.xlsx", {"giam_sat_cuoc": "mười hai", "doi_thoai_cuoc": 3})
    result = invoke("run", "--strict", "--inbox", str(inbox), "--data-dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(tmp_path / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        assert con.execute("select status from raw.files").fetchall() == [("rejected",)]
        codes = con.execute("select finding_code, row, \"column\" from mart.findings "
                            "order by finding_code").fetchall()
        values = con.execute("select count(*) from core.ward_values").fetchall()
    finally:
        con.close()
    assert codes == [("F_STRICT_VALUE_ERRORS", None, None), ("V_NOT_A_NUMBER", 29, "E")]
    assert values == [(0,)]


def test_validate_a_link_is_not_followed_and_names_are_escaped(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("ma_don_vi,ky_bao_cao,ma_chi_tieu,gia_tri\nTOP-SECRET,1,2,3\n")
    link = tmp_path / "bao_cao.csv"
    link.symlink_to(secret)
    lock = tmp_path / "~$bao_cao.xlsx"
    lock.write_bytes(b"\x0bNguyen Van A")
    odd = tmp_path / "hai\ndong.csv"
    odd.write_bytes(secret.read_bytes().replace(b"TOP-SECRET", b"00001"))
    result = invoke("validate", str(link), str(lock), str(odd))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == f"{link}: rejected"
    assert lines[1] == "  F_SYMLINK [whole file]"
    assert f"{tmp_path}/~$bao_cao.xlsx: skipped" in lines
    assert any(line.startswith(f"{tmp_path}/hai\\ndong.csv: rejected") for line in lines)
    assert "TOP-SECRET" not in result.output
