"""A hostile inbox (issue 12): no file can leak, blow up memory, vanish, or stop the night.

Each case builds its files beside one good report, runs `mttq validate` on the inbox and
`mttq run`, and asserts the coded finding naming the file, the good report published, exit 0,
nothing outside the inbox read, and the run's peak memory (psutil, the whole process tree)
within the budget the README states: a normal run's peak plus HOSTILE_EXTRA_MB, and at most
RUN_BUDGET_MB. Time is asserted as a ratio to a normal run measured in the same session.
Set MTTQ_SECURITY_FIGURES=FILE to collect the case table (memory, time, code).
"""

import json
import os
import stat
import zipfile
from pathlib import Path

import polars as pl
import pytest
from conftest import MIB, Measured, run_measured
from ops_support import published

from flows.report import VERDICT_WORDS

pytestmark = pytest.mark.slow

RUN_BUDGET_MB = 1024  # README "Hostile inbox": peak RSS of a run over a small inbox
HOSTILE_EXTRA_MB = 256  # what one hostile file may add to a normal run's peak
TIME_RATIO = 4.0  # a hostile run against a normal run of the same session
PERIOD = "2021-Q3"
GOOD_WARD = "00001"  # Phường Phúc Xá, Ba Đình
SECRET = b"TOP-SECRET-outside-the-inbox-7f3a"


def report_csv(ward: str, fund: str = "152000000") -> bytes:
    return (f"ma_don_vi,ky_bao_cao,ngay_lap,ma_chi_tieu,gia_tri\n"
            f"{ward},{PERIOD},2021-10-05,quy_vi_nguoi_ngheo,{fund}\n"
            f"{ward},{PERIOD},2021-10-05,giam_sat_cuoc,12\n").encode()


def write(inbox: Path, name: str | bytes, data: bytes) -> Path:
    path = Path(os.fsdecode(os.path.join(os.fsencode(inbox), os.fsencode(name))))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def minimal_xlsx(path: Path, rows, sheet_bytes: int | None = None) -> Path:
    """A real xlsx written member by member (fast at a million rows): `rows` yields lists of
    cell texts; or, with `sheet_bytes`, a sheet of that many highly repetitive bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application'
            '/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        book.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http'
            '://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'))
        book.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxml'
            'formats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships"><sheets><sheet name="BC" sheetId="1" r:id="rId1"'
            '/></sheets></workbook>'))
        book.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http'
            '://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'))
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://'
                        b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            if sheet_bytes:
                block = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 20000
                for _ in range(sheet_bytes // len(block)):
                    sheet.write(block)
            else:
                buffer = []
                for number, cells in enumerate(rows, start=1):
                    buffer.append(f'<row r="{number}">' + "".join(
                        f'<c t="inlineStr"><is><t>{cell}</t></is></c>' for cell in cells)
                        + "</row>")
                    if len(buffer) == 10000:
                        sheet.write("".join(buffer).encode())
                        buffer = []
                sheet.write("".join(buffer).encode())
            sheet.write(b"</sheetData></worksheet>")
    return path


def table_rows(count: int):
    yield ["Mã đơn vị", GOOD_WARD]
    yield ["Kỳ báo cáo", PERIOD]
    yield ["STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Kết quả"]
    for number in range(count):
        yield [str(number), "giam_sat_cuoc", "Cuộc giám sát", "cuộc", "1"]


# --- the cases: each builds its files and says what the ledger must hold for them ---------

def case_symlinks(inbox: Path, outside: Path) -> dict:
    secret = write(outside, "shadow", SECRET)
    (outside / "folder").mkdir()
    write(outside / "folder", "00004.csv", report_csv("00004"))
    (inbox / "shadow").symlink_to(secret)
    (inbox / "bao_cao_00006.csv").symlink_to(secret)
    (inbox / "thu_muc").symlink_to(outside / "folder")
    return {"shadow": ("rejected", "F_SYMLINK"), "bao_cao_00006.csv": ("rejected", "F_SYMLINK"),
            "thu_muc": ("rejected", "F_SYMLINK")}


def case_special_file(inbox: Path, outside: Path) -> dict:
    os.mkfifo(inbox / "pipe.csv")  # opening it would block the run forever
    return {"pipe.csv": ("rejected", "F_SPECIAL_FILE")}


def case_lock_and_system_files(inbox: Path, outside: Path) -> dict:
    write(inbox, "~$bao_cao_quy1_2022.xlsx", b"\x0bNguyen Van A" + b"\x00" * 150)
    write(inbox, "quan_1/Thumbs.db", b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    write(inbox, "quan_1/.DS_Store", b"\x00\x00\x00\x01Bud1")
    return {"~$bao_cao_quy1_2022.xlsx": ("skipped", "I_SKIPPED_LOCK_FILE"),
            "quan_1/Thumbs.db": ("skipped", "I_SKIPPED_SYSTEM_FILE"),
            "quan_1/.DS_Store": ("skipped", "I_SKIPPED_SYSTEM_FILE")}


def case_hidden_names(inbox: Path, outside: Path) -> dict:
    write(inbox, ".late_00394.csv", report_csv("00004"))
    write(inbox, "....csv", report_csv("00006"))
    return {".late_00394.csv": ("accepted", None), "....csv": ("accepted", None)}


LONG_NAME = ("Báo cáo Phường Phúc Xá " * 20).encode()[:250].decode(errors="ignore") + ".csv"


def case_any_name(inbox: Path, outside: Path) -> dict:
    write(inbox, b"bao_cao_\xff\xfe_00004.csv", report_csv("00004"))
    write(inbox, "hai\ndong_00006.csv", report_csv("00006"))
    write(inbox, "mau\x1b[31m_do.csv", report_csv("00007"))
    write(inbox, LONG_NAME, report_csv("00008"))
    write(inbox, "bao_cao." + "x" * 240, report_csv("00043"))
    return {"bao_cao_\\xff\\xfe_00004.csv": ("accepted", None),
            "hai\\ndong_00006.csv": ("accepted", None),
            "mau\\x1b[31m_do.csv": ("accepted", None),
            LONG_NAME: ("accepted", None),
            "bao_cao." + "x" * 240: ("rejected", "F_UNSUPPORTED_TYPE")}


def case_huge_numbers(inbox: Path, outside: Path) -> dict:
    write(inbox, "so_lon_00004.csv", report_csv("00004", fund="9" * 400))
    write(inbox, "so_lon_00006.json", json.dumps({
        "ma_don_vi": "00006", "ky_bao_cao": PERIOD, "chi_tieu": {"giam_sat_cuoc": 4}}
    ).replace('"giam_sat_cuoc": 4', '"giam_sat_cuoc": 4, "quy_vi_nguoi_ngheo": '
              + "9" * 5000).encode())
    return {"so_lon_00004.csv": ("accepted_with_errors", "V_NOT_A_NUMBER"),
            "so_lon_00006.json": ("accepted_with_errors", "V_NOT_A_NUMBER")}


def case_zip_bomb(inbox: Path, outside: Path) -> dict:
    minimal_xlsx(inbox / "bom_00004.xlsx", None, sheet_bytes=2 * 2 ** 30)  # 2 GiB, ~6 MB
    return {"bom_00004.xlsx": ("rejected", "F_ZIP_TOO_LARGE")}


def case_big_csv(inbox: Path, outside: Path) -> dict:
    line = f"00004,{PERIOD},2021-10-05,giam_sat_cuoc,1\n".encode()
    with open(inbox / "lon_00004.csv", "wb") as big:
        big.write(b"ma_don_vi,ky_bao_cao,ngay_lap,ma_chi_tieu,gia_tri\n")
        block = line * 100_000
        for _ in range(200 * MIB // len(block) + 1):
            big.write(block)
    return {"lon_00004.csv": ("rejected", "F_FILE_TOO_LARGE")}


def case_million_rows(inbox: Path, outside: Path) -> dict:
    minimal_xlsx(inbox / "trieu_dong_00004.xlsx", table_rows(1_000_000))
    return {"trieu_dong_00004.xlsx": ("rejected", "F_ZIP_TOO_LARGE")}


def case_too_many_rows(inbox: Path, outside: Path) -> dict:
    minimal_xlsx(inbox / "nhieu_dong_00004.xlsx", table_rows(6000))
    lines = "".join(f"00006,{PERIOD},,giam_sat_cuoc,{n}\n" for n in range(6000))
    write(inbox, "nhieu_dong_00006.csv",
          ("ma_don_vi,ky_bao_cao,ngay_lap,ma_chi_tieu,gia_tri\n" + lines).encode())
    return {"nhieu_dong_00004.xlsx": ("rejected", "F_TOO_MANY_ROWS"),
            "nhieu_dong_00006.csv": ("rejected", "F_TOO_MANY_ROWS")}


def case_many_findings(inbox: Path, outside: Path) -> dict:
    lines = "".join(f"00004,{PERIOD},,chi_tieu_la_{n},{n}\n" for n in range(3000))
    write(inbox, "nhieu_loi_00004.csv", (
        "ma_don_vi,ky_bao_cao,ngay_lap,ma_chi_tieu,gia_tri\n"
        f"00004,{PERIOD},,giam_sat_cuoc,3\n" + lines).encode())
    return {"nhieu_loi_00004.csv": ("accepted_with_errors", "I_FINDINGS_TRUNCATED")}


CASES = {
    "symlinks": case_symlinks,
    "special_file": case_special_file,
    "lock_and_system_files": case_lock_and_system_files,
    "hidden_names": case_hidden_names,
    "any_name": case_any_name,
    "huge_numbers": case_huge_numbers,
    "zip_bomb": case_zip_bomb,
    "big_csv_200mb": case_big_csv,
    "million_row_xlsx": case_million_rows,
    "too_many_rows": case_too_many_rows,
    "many_findings": case_many_findings,
}


OTHER_GOOD_WARDS = ("00046", "00049", "00052", "00055")  # Hoàn Kiếm: several files, so the
# run reads on its pool of processes in every case, the normal run included


def new_data_dir(root: Path) -> Path:
    data_dir = root / "data"
    for ward in (GOOD_WARD, *OTHER_GOOD_WARDS):
        write(data_dir / "inbox", f"good_{ward}.csv", report_csv(ward))
    return data_dir


@pytest.fixture(scope="module")
def normal_run(prefect_server, tmp_path_factory) -> Measured:
    """The same run over the good report alone: the memory and time baseline."""
    data_dir = new_data_dir(tmp_path_factory.mktemp("normal"))
    run_measured(["run", "--data-dir", str(data_dir)], prefect_server)  # warm caches
    data_dir = new_data_dir(tmp_path_factory.mktemp("normal2"))
    measured = run_measured(["run", "--data-dir", str(data_dir)], prefect_server)
    assert measured.returncode == 0, measured.stdout + measured.stderr
    _figure("normal run (5 good files)", measured, "—")
    return measured


def _figure(case: str, measured: Measured, codes: str) -> None:
    target = os.environ.get("MTTQ_SECURITY_FIGURES")
    if target:
        with open(target, "a") as out:
            out.write(f"| {case} | {measured.peak_mb:.0f} MB | {measured.seconds:.1f} s | "
                      f"{codes} | exit {measured.returncode} |\n")


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_inbox_case(case, prefect_server, normal_run, tmp_path):
    data_dir = new_data_dir(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    expected = CASES[case](data_dir / "inbox", outside)

    checked = run_measured(["validate", str(data_dir / "inbox")], prefect_server)
    assert "Traceback" not in checked.stdout + checked.stderr
    rejected = any(status == "rejected" for status, _ in expected.values())
    assert checked.returncode == (1 if rejected else 0), checked.stdout + checked.stderr
    for name, (status, code) in expected.items():
        verdict = VERDICT_WORDS.get(status, status)  # `hợp lệ / accepted`, ...
        assert f"{name}: {verdict}" in checked.stdout, (name, checked.stdout[-3000:])
        if code:
            assert code in checked.stdout
    assert "\x1b" not in checked.stdout and "hai\ndong" not in checked.stdout  # escaped
    # bounded: 3 lines a finding, at most MTTQ_MAX_FINDINGS_PER_FILE (50) + 1 per file
    assert len(checked.stdout.splitlines()) <= (3 * 51 + 1) * len(expected) + 5 * 5

    ran = run_measured(["run", "--data-dir", str(data_dir)], prefect_server)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    _figure(case, ran, ", ".join(sorted({c for _, c in expected.values() if c})))

    files = {row["original_path"]: row for row in published(
        data_dir, "select * from raw.files").to_dicts()}
    findings = published(data_dir, "select original_path, finding_code, message_vi, "
                         "message_en from mart.findings join raw.files using (file_hash)")
    assert files[f"good_{GOOD_WARD}.csv"]["status"] == "accepted"  # the good report published
    fund = published(data_dir, "select value from core.ward_values where ward_code = "
                     f"'{GOOD_WARD}' and indicator_code = 'quy_vi_nguoi_ngheo' "
                     f"and period = '{PERIOD}'")
    assert fund["value"].to_list() == [152000000.0]
    for name, (status, code) in expected.items():
        assert files[name]["status"] == status, (name, files[name])
        if code:
            codes = findings.filter(pl.col("original_path") == name)
            assert code in codes["finding_code"].to_list(), (name, codes)
            message = codes.filter(pl.col("finding_code") == code).row(0, named=True)
            assert message["message_vi"] and message["message_en"]
    archive = data_dir / "archive"
    for path in archive.iterdir():  # nothing outside the inbox was copied
        with open(path, "rb") as archived:
            assert SECRET not in archived.read(64 * MIB), path.name
    assert all(len(p.name) < 80 for p in archive.iterdir())
    assert len(list(archive.iterdir())) >= len({f["file_hash"] for f in files.values()})

    assert ran.peak_mb < min(RUN_BUDGET_MB, normal_run.peak_mb + HOSTILE_EXTRA_MB), ran
    assert ran.seconds < TIME_RATIO * normal_run.seconds + 5, (ran.seconds, normal_run.seconds)


def test_hostile_inbox_findings_are_capped_with_a_summary(prefect_server, tmp_path):
    data_dir = new_data_dir(tmp_path)
    case_many_findings(data_dir / "inbox", tmp_path)
    assert run_measured(["run", "--data-dir", str(data_dir)], prefect_server).returncode == 0
    found = published(data_dir, "select finding_code, found_text from mart.findings join "
                      "raw.files using (file_hash) where original_path = 'nhieu_loi_00004.csv'")
    assert sorted(found.rows()) == sorted([("I_FINDINGS_TRUNCATED", "3000")] + [
        ("V_UNKNOWN_INDICATOR", f"chi_tieu_la_{n}") for n in range(50)])  # the first 50
    summary = published(data_dir, "select message_en from mart.findings where "
                        "finding_code = 'I_FINDINGS_TRUNCATED'")["message_en"][0]
    assert summary.startswith("2950 more findings of this file are not listed (only the first 50")


def test_hostile_inbox_quote_in_the_data_dir_and_owner_only_files(prefect_server, tmp_path):
    data_dir = new_data_dir(tmp_path / "o'brien's")
    ran = run_measured(["run", "--data-dir", str(data_dir)], prefect_server)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert set(published(data_dir, "select status from raw.files")["status"]) == {"accepted"}
    made = [data_dir / "archive", data_dir / "warehouse", data_dir / "warehouse" / "mttq.duckdb",
            *(data_dir / "archive").iterdir(), *(data_dir / "parquet").rglob("*.parquet")]
    modes = {stat.S_IMODE(p.stat().st_mode) for p in made}
    assert modes <= {0o700, 0o600}, sorted(oct(m) for m in modes)


def test_hostile_inbox_data_dir_failure_is_recorded(prefect_server, tmp_path):
    data_dir = new_data_dir(tmp_path)
    (data_dir / "archive").write_text("not a folder")  # the archive cannot be written
    ran = run_measured(["run", "--data-dir", str(data_dir)], prefect_server)
    assert ran.returncode == 1
    assert "Traceback" not in ran.stdout + ran.stderr
    runs = published(data_dir, "select status, error_message from ops.runs").to_dicts()
    assert [r["status"] for r in runs] == ["failed"]
    assert "archive" in runs[0]["error_message"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file")
def test_hostile_inbox_unreadable_file_is_its_own_finding(prefect_server, tmp_path):
    data_dir = new_data_dir(tmp_path)
    locked = write(data_dir / "inbox", "khoa_00004.csv", report_csv("00004"))
    locked.chmod(0)
    ran = run_measured(["run", "--data-dir", str(data_dir)], prefect_server)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    files = dict(published(data_dir, "select original_path, status from raw.files").rows())
    assert (files["good_00001.csv"], files["khoa_00004.csv"]) == ("accepted", "rejected")


def _parquet_matches_published(data_dir: Path) -> tuple[str, str]:
    """(DuckDB file's data version, Parquet's) after asserting both hold the same ward values."""
    version = published(data_dir, "select value from ops.meta where key = 'data_version'")
    parquet = pl.scan_parquet(data_dir / "parquet" / "ward_values" / "**" / "*.parquet",
                              hive_partitioning=True).collect()
    values = published(data_dir, "select * from core.ward_values")
    assert parquet.height == values.height
    assert set(parquet["ward_code"]) == set(values["ward_code"])
    return version["value"][0], (data_dir / "parquet" / "_data_version").read_text()


def test_hostile_inbox_kill_during_parquet_writing(prefect_server, tmp_path):
    import signal
    import subprocess
    import time

    from conftest import MTTQ, PROJECT

    data_dir = new_data_dir(tmp_path)
    assert run_measured(["run", "--data-dir", str(data_dir)], prefect_server).returncode == 0
    write(data_dir / "inbox", "moi_00004.csv", report_csv("00004"))
    env = {**prefect_server.env, "MTTQ_TEST_PAUSE_AT": "parquet", "MTTQ_WORKERS": "1"}
    process = subprocess.Popen([MTTQ, "run", "--data-dir", str(data_dir)], env=env,
                               cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if "MTTQ_PAUSED_AT parquet" in line:
            break
    else:
        raise AssertionError("the run never reached the Parquet writing")
    process.send_signal(signal.SIGKILL)
    process.wait(30)

    building = [p.name for p in data_dir.iterdir() if p.name.startswith(".parquet-")]
    assert len(building) == 2  # the published version and the half-written one
    published_version, parquet_version = _parquet_matches_published(data_dir)
    assert published_version == parquet_version == "1"  # the reader sees the old version whole
    assert "00004" not in set(published(data_dir, "select ward_code from core.ward_values")
                              ["ward_code"])

    assert run_measured(["run", "--data-dir", str(data_dir)], prefect_server).returncode == 0
    published_version, parquet_version = _parquet_matches_published(data_dir)
    assert published_version == parquet_version == "2"
    assert "00004" in set(published(data_dir, "select ward_code from core.ward_values")
                          ["ward_code"])
    assert len([p for p in data_dir.iterdir() if p.name.startswith(".parquet-")]) == 2
    leftovers = [p for p in data_dir.rglob("*") if ".tmp" in p.name]
    assert leftovers == []


def test_hostile_inbox_disk_full_is_recorded_in_words(prefect_server, tmp_path):
    """The data dir on a 40 MB tmpfs: a run that fills it fails (exit 1) with the cause in
    words, recorded in ops.runs, and the next run once space is freed publishes it."""
    import shutil
    import subprocess

    mount = tmp_path / "small_disk"
    mount.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)],
                             capture_output=True)
    if mounted.returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        data_dir = new_data_dir(mount)
        assert run_measured(["run", "--data-dir", str(data_dir)], prefect_server).returncode == 0
        filler = mount / "filler"
        with open(filler, "wb") as out:  # leave 1.5 MB: less than a published file
            out.write(b"\0" * (shutil.disk_usage(mount).free - 1536 * 1024))
        write(data_dir / "inbox", "moi_00004.csv", report_csv("00004"))
        failed = run_measured(["run", "--data-dir", str(data_dir)], prefect_server)
        assert failed.returncode == 1
        assert "đĩa đã đầy" in failed.stdout and "the disk is full" in failed.stdout, \
            failed.stdout
        assert "Exception" not in failed.stdout and "Traceback" not in failed.stdout
        filler.unlink()
        assert run_measured(["run", "--data-dir", str(data_dir)], prefect_server).returncode == 0
        runs = published(data_dir, "select status, error_message from ops.runs "
                         "order by started_at").rows()
        assert [status for status, _ in runs] == ["completed", "failed", "completed"]
        assert runs[1][1].startswith("đĩa đã đầy") and "/ the disk is full" in runs[1][1]
        assert "00004" in set(published(data_dir, "select ward_code from core.ward_values")
                              ["ward_code"])
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
