"""The console's pages over a real published data dir (issue 15, items 1-6), without a browser."""

import re
import shutil
from html import unescape

import duckdb
from conftest import client_for, csrf_of, three_files

from flows.console.fixes import message_to_ward
from flows.console.grid import cell_state, cell_words
from flows.lock import writer_lock


def text_of(html: str) -> str:
    """The page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def post_files(client, page: str, paths):
    token = csrf_of(client.get(page).text)
    handles = [path.open("rb") for path in paths]
    try:
        return client.post(page, data={"csrf_token": token}, files=[
            ("files", (path.name, handle, "application/octet-stream"))
            for path, handle in zip(paths, handles, strict=True)])
    finally:
        for handle in handles:
            handle.close()


def test_drop_three_files_saves_them_and_answers_each_in_words(data_copy, tmp_path):
    files = three_files(tmp_path / "from-wards")
    response = post_files(client_for(data_copy), "/upload", files)
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Kết quả kiểm tra What the check says (3)" in page
    assert ("Hợp lệ Accepted BC Quý III Phúc Xá.xlsx đã lưu vào hộp thư saved into the inbox "
            "Phường Ward : Phường Phúc Xá (00001, Quận Ba Đình) · Kỳ Period : 2021-Q3 "
            "Không có lỗi. No problems.") in page
    assert ("Hợp lệ, có giá trị bị loại Accepted with errors BC Quý III Trúc Bạch.xlsx đã lưu "
            "vào hộp thư saved into the inbox Phường Ward : Phường Trúc Bạch (00004, Quận Ba "
            "Đình) · Kỳ Period : 2021-Q3 V_NOT_A_NUMBER [ trang 'Báo cáo', dòng 29, cột E sheet "
            "'Báo cáo', row 29, column E ] Giá trị '1.2.3' không phải là số.") in page
    assert ("Value '1.2.3' is not a number. Write a number such as '1.084' or '10,4 triệu'; "
            "leave it blank when there is no figure.") in page
    assert ("Bị từ chối Rejected BC Quý III phường lạ.xlsx đã lưu vào hộp thư saved into the "
            "inbox Chưa xác định được phường Ward not identified · Kỳ Period : 2021-Q3 "
            "F_WARD_UNKNOWN [ trang 'Báo cáo', dòng 5, cột C sheet 'Báo cáo', row 5, column C ] "
            "Không tìm thấy đơn vị '99999 / Phường Không Có'") in page
    for path in files:
        assert (data_copy / "inbox" / path.name).read_bytes() == path.read_bytes()


def test_check_answers_the_same_and_keeps_nothing(data_copy, tmp_path):
    files = three_files(tmp_path / "from-wards")
    before = sorted(p for p in data_copy.rglob("*") if p.is_file())
    response = post_files(client_for(data_copy), "/check", files)
    page = text_of(response.text)
    assert response.status_code == 200
    assert "Kết quả kiểm tra What the check says (3)" in page
    assert "V_NOT_A_NUMBER" in page and "F_WARD_UNKNOWN" in page
    assert "Phường Phúc Xá (00001, Quận Ba Đình)" in page
    assert "đã lưu vào hộp thư" not in page
    assert sorted(p for p in data_copy.rglob("*") if p.is_file()) == before


def test_check_of_a_file_that_is_no_report(data_copy):
    client = client_for(data_copy)
    token = csrf_of(client.get("/check").text)
    response = client.post("/check", data={"csrf_token": token},
                           files={"files": ("ghi chú.docx", b"PK\x03\x04 not a report")})
    page = text_of(response.text)
    assert "Bị từ chối Rejected ghi chú.docx" in page
    assert "F_UNSUPPORTED_TYPE" in page and "Loại tệp '.docx' không được hỗ trợ." in page


def test_english_first_when_asked(data_copy, tmp_path):
    client = client_for(data_copy)
    client.get("/upload?lang=en")
    response = post_files(client, "/upload", three_files(tmp_path / "w")[:1])
    page = text_of(response.text)
    assert "What the check says Kết quả kiểm tra (1)" in page
    assert "Accepted Hợp lệ BC Quý III Phúc Xá.xlsx" in page
    assert "Drop files" in page and 'lang="en"' in response.text


def test_grid_shows_each_ward_and_period_in_words(data_copy):
    response = client_for(data_copy).get("/grid?district=001&year=2021")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Tình hình nộp báo cáo Completeness : Quận Ba Đình, năm 2021" in page
    con = duckdb.connect(str(data_copy / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        cells = con.execute("select ward_code, period, is_received, is_on_time, days_late, "
                            "file_status, values_dropped from mart.ward_completeness "
                            "where district_code = '001' and period = '2021-Q1'").fetchall()
    finally:
        con.close()
    with_errors = [c for c in cells if c[5] == "accepted_with_errors"]
    assert with_errors, "the small inbox plants a file with a dropped value"
    ward, period = with_errors[0][:2]
    link = f'href="/grid/cell?ward={ward}&amp;period={period}"'
    assert link in response.text
    cell_html = response.text.split(link)[1].split("</a>")[0]
    assert "Có lỗi (1 giá trị)" in cell_html and 'class="cell warn"' in response.text
    con = duckdb.connect(str(data_copy / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        cells = con.sql(
            "select is_received, is_on_time, file_status, values_dropped, 0 as files_rejected "
            "from mart.ward_completeness where district_code = '001' and period like '2021-%'"
        ).pl().to_dicts()
        # on time: received on time, and neither accepted with errors nor with values dropped
        on_time = sum(cell_state(c) == "on_time" for c in cells)
        missing = sum(not c["is_received"] for c in cells)
    finally:
        con.close()
    assert on_time > 20
    assert f"✓ Đúng hạn {on_time} " in page  # the legend counts the cells
    assert page.count("✓ Đúng hạn") == on_time + 1
    assert page.count("Chưa nộp") >= missing  # missing, or rejected when a file did not count


def test_cell_words_cover_every_state():
    base = {"is_received": True, "is_on_time": True, "days_late": 0, "file_status": "accepted",
            "values_dropped": 0, "files_rejected": 0}
    assert cell_words(base) == ("Đúng hạn", "On time")
    assert cell_words({**base, "is_on_time": False, "days_late": 5}) == ("Trễ 5 ngày",
                                                                         "5 days late")
    assert cell_words({**base, "file_status": "accepted_with_errors", "values_dropped": 2,
                       "is_on_time": False, "days_late": 3}) == (
        "Có lỗi (2 giá trị) · trễ 3 ngày", "With errors (2 values) · 3 days late")
    missing = {**base, "is_received": False, "is_on_time": False, "days_late": None,
               "file_status": None}
    assert cell_words({**missing, "files_rejected": 1}) == ("Bị từ chối", "Rejected")
    assert cell_words(missing) == ("Chưa nộp", "Missing")


def test_cell_page_lists_the_files_and_their_findings(data_copy):
    response = client_for(data_copy).get("/grid/cell?ward=00031&period=2021-Q2")
    page = text_of(response.text)
    assert response.status_code == 200
    assert "00031_ma_sai.xlsx" not in page  # its code 99999 names no ward: not this ward's file
    con = duckdb.connect(str(data_copy / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        names = [r[0] for r in con.execute("select file_name from raw.files where ward_code = "
                                           "'00031' and period = '2021-Q2'").fetchall()]
    finally:
        con.close()
    assert f"Các tệp đã nhận Files received ({len(names)})" in page
    for name in names:
        assert name in page


def test_fixes_lists_every_rejected_file_and_dropped_value_newest_first(data_copy):
    client = client_for(data_copy)
    page = text_of(client.get("/fixes").text)
    con = duckdb.connect(str(data_copy / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        expected = [r[0] for r in con.execute(
            "select f.file_name from raw.files f where f.status in ('rejected', "
            "'accepted_with_errors') and exists (select 1 from mart.findings x where "
            "x.file_hash = f.file_hash and x.severity = 'error') "
            "order by f.received_at desc, f.file_name").fetchall()]
    finally:
        con.close()
    assert len(expected) == 5
    assert f"Lỗi cần xử lý What needs fixing ({len(expected)})" in page
    positions = [page.index(f" {name} ") for name in expected]
    assert positions == sorted(positions)
    con = duckdb.connect(str(data_copy / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        ward_problem, period = con.execute(
            "select f.file_name, f.period from raw.files f join mart.findings x using "
            "(file_hash) where x.finding_code like 'F_WARD_%' and f.period is not null"
        ).fetchall()[0]
        message = con.execute("select message_vi from mart.findings where file_name = ? and "
                              "finding_code like 'F_WARD_%'", [ward_problem]).fetchall()[0][0]
    finally:
        con.close()
    assert message in page
    only_period = text_of(client.get(f"/fixes?period={period}").text)
    assert ward_problem in only_period and "ghi_chu.docx" not in only_period  # no period
    assert "Lỗi cần xử lý What needs fixing (" in only_period
    elsewhere = text_of(client.get("/fixes?district=006").text)
    assert ward_problem not in elsewhere and "Không có gì cần xử lý." in elsewhere


def test_message_to_the_ward_names_the_file_the_reason_and_the_place():
    message = message_to_ward({
        "ward_name": "Phường Giảng Võ", "period": "2021-Q2", "status": "rejected",
        "file_name": "00031_ma_sai.xlsx", "received": "06/07/2021 09:30",
        "problems": [{"message_vi": "Không tìm thấy đơn vị '99999'.",
                      "place": ("trang 'Báo cáo', dòng 5, cột C", "")}]})
    assert message.splitlines() == [
        "Kính gửi Ủy ban MTTQ Phường Giảng Võ,",
        "Tệp báo cáo \"00031_ma_sai.xlsx\" (kỳ 2021-Q2, nhận lúc 06/07/2021 09:30) chưa được "
        "tiếp nhận vì:",
        "- Không tìm thấy đơn vị '99999'. (trang 'Báo cáo', dòng 5, cột C)",
        "Đề nghị đồng chí sửa các điểm trên và gửi lại tệp báo cáo.",
        "Trân trọng.",
    ]


def test_downloads_list_the_pack_and_serve_only_files_inside_reports(data_copy):
    shutil.rmtree(data_copy / "reports", ignore_errors=True)  # the run's own pack
    folder = data_copy / "reports" / "2021-Q2"
    folder.mkdir(parents=True)
    (folder / "001 Quận Ba Đình.xlsx").write_bytes(b"xlsx bytes")
    (folder / "001 Quận Ba Đình.md").write_text("# Báo cáo")
    (folder / "01 Thành phố Hà Nội.docx").write_bytes(b"docx bytes")
    (data_copy / "reports" / "2021-Q1").mkdir()
    (data_copy / "reports" / "2021-Q1" / "001 Quận Ba Đình.xlsx").write_bytes(b"older")
    (data_copy / "secret.txt").write_text("no")
    client = client_for(data_copy)
    page = text_of(client.get("/downloads").text)
    assert "Báo cáo hội nghị Conference pack : 2021-Q2" in page  # the latest period first
    # the city first, then districts; a link per format with its size
    assert ("01 Thành phố Hà Nội — ⬇ .docx 1 KB — 001 Quận Ba Đình ⬇ .xlsx 1 KB — ⬇ .md 1 KB"
            in page)
    got = client.get("/downloads/2021-Q2/001%20Qu%E1%BA%ADn%20Ba%20%C4%90%C3%ACnh.xlsx")
    assert got.status_code == 200 and got.content == b"xlsx bytes"
    assert got.headers["content-type"].startswith("application/vnd.openxmlformats")
    older = text_of(client.get("/downloads?period=2021-Q1").text)
    assert "001 Quận Ba Đình ⬇ .xlsx" in older and "⬇ .md" not in older
    for sneaky in ("/downloads/2021-Q2/..%2F..%2Fsecret.txt", "/downloads/..%2F/secret.txt",
                   "/downloads/2021-Q2/%2E%2E", "/downloads/2021-Q2/missing.xlsx"):
        assert client.get(sneaky).status_code == 404, sneaky


def test_downloads_before_any_pack_says_how_to_make_one(data_copy):
    shutil.rmtree(data_copy / "reports", ignore_errors=True)
    page = text_of(client_for(data_copy).get("/downloads").text)
    assert "Chưa có báo cáo nào" in page
    assert f"mttq report --period 2021-Q3 --data-dir {data_copy}" in page


def test_pages_before_the_first_run_say_run_first(tmp_path):
    client = client_for(tmp_path)
    for path in ("/grid", "/fixes", "/grid/cell?ward=00001&period=2021-Q1"):
        response = client.get(path)
        assert response.status_code == 200
        page = text_of(response.text)
        assert "Chưa có dữ liệu công bố: hãy chạy tổng hợp trước." in page, path
        assert f"mttq run --data-dir {tmp_path}" in page
    assert "Chưa có lần chạy nào." in text_of(client.get("/run").text)


def test_grid_on_a_file_without_ward_completeness_names_the_missing_table(data_copy):
    con = duckdb.connect(str(data_copy / "warehouse" / "mttq.duckdb"))
    con.execute("drop table mart.ward_completeness")
    con.close()
    page = text_of(client_for(data_copy).get("/grid").text)
    assert "Dữ liệu công bố chưa có bảng mart.ward_completeness" in page
    assert "Hãy chạy tổng hợp lại." in page


def test_run_is_refused_while_another_run_holds_the_writers_lock(data_copy):
    client = client_for(data_copy)
    lock_file = data_copy / "warehouse" / "mttq.lock"
    with writer_lock(lock_file, "20261202-010000-abcd", timeout_s=1):
        page = client.get("/run")
        assert "Đang có lần chạy khác ghi dữ liệu: run 20261202-010000-abcd" in text_of(page.text)
        refused = client.post("/run", data={"csrf_token": csrf_of(page.text)})
        assert refused.status_code == 409
        words = text_of(refused.text)
        assert "Một lần chạy khác đang ghi dữ liệu (run 20261202-010000-abcd" in words
        assert "Another run is writing (run 20261202-010000-abcd" in words
    assert client.app.state.runs.current is None  # nothing was started
    assert "Đang có lần chạy khác" not in text_of(client.get("/run").text)


def test_grid_after_the_2025_reform_lists_the_wards_under_the_province(data_copy):
    con = duckdb.connect(str(data_copy / "warehouse" / "mttq.duckdb"))
    con.execute("insert into mart.ward_completeness by name select '2025-Q3' as period, "
                "date '2025-07-01' as period_start, 20253 as period_order, '01' as "
                "province_code, null as district_code, null as district_name, '00004' as "
                "ward_code, 'Phường Ba Đình' as ward_name, 1 as ward_order, false as "
                "is_received, false as is_on_time")
    con.close()
    client = client_for(data_copy)
    assert "Phường, xã trực thuộc tỉnh/thành phố (từ 01/7/2025)" in client.get("/grid").text
    page = text_of(client.get("/grid?district=01&year=2025").text)
    assert "00004 Phường Ba Đình — Chưa nộp" in page


def test_run_output_marks_steps_done_and_shortens_prefect_log_lines():
    from flows.console.run import RunJob

    job = RunJob("local")
    for line in [
        "15:48:17.062 | INFO    | Flow run 'comical-gorilla' - Beginning flow run "
        "'comical-gorilla' for flow 'nightly'",
        "15:48:17.373 | INFO    | Task run 'load_reference_data-963' - Finished in state "
        "Completed()",
        "15:48:18.064 | INFO    | Task run 'scan_inbox-879' - Inbox: 32 files, 3 new (3 to read)",
        "15:48:18.068 | INFO    | Task run 'scan_inbox-879' - Finished in state Completed()",
        "Run 20261202-154817-275d completed / Đã chạy xong.",
    ]:
        job.add_output(line)
    assert job.steps_done == ["load_reference_data", "scan_inbox"]
    assert list(job.output) == ["15:48:18 scan_inbox: Inbox: 32 files, 3 new (3 to read)",
                                "Run 20261202-154817-275d completed / Đã chạy xong."]


def test_dropping_a_file_already_received_says_it_will_be_a_duplicate(data_copy):
    con = duckdb.connect(str(data_copy / "warehouse" / "mttq.duckdb"), read_only=True)
    try:
        original = con.execute("select original_path from raw.files where status = 'accepted' "
                               "order by original_path limit 1").fetchall()[0][0]
    finally:
        con.close()
    copy = data_copy / "inbox" / original
    response = post_files(client_for(data_copy), "/upload", [copy])
    page = text_of(response.text)
    assert f"Nội dung giống hệt tệp đã nhận {original} (" in page
    assert "lần tổng hợp sẽ coi là trùng lặp" in page
    assert (data_copy / "inbox" / copy.name).read_bytes() == copy.read_bytes()  # kept anyway


def test_language_toggle_keeps_the_page_and_its_filters(tmp_path):
    client = client_for(tmp_path)
    html = client.get("/fixes?district=006&period=2021-Q3").text
    assert 'href="/fixes?district=006&amp;period=2021-Q3&amp;lang=en" class="lang">English' in html
    html = client.get("/fixes?district=006&lang=en").text
    assert 'href="/fixes?district=006&amp;lang=vi" class="lang">Tiếng Việt' in html
