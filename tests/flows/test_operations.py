"""What an operator does: a busy writer, a failed run and its rerun, a backfill after an
administrator's fix, running twice, and `mttq status` telling the story."""

import re
import shutil
import subprocess
import time

import duckdb
import pytest
from ops_support import (
    MTTQ,
    PROJECT,
    SMALL_QUARTERS,
    copy_inbox,
    mttq,
    outputs,
    published,
    runs,
)
from polars.testing import assert_frame_equal
from prefect import flow

from flows.tasks import io_step

pytestmark = pytest.mark.slow


def run_ok(*args, server, env=None):
    done = mttq(*args, server=server, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_lock_second_run_waits_then_exits_naming_the_holder(small_inbox, tmp_path,
                                                            prefect_server):
    data_dir = tmp_path / "data"
    copy_inbox(small_inbox, data_dir, only="2021-Q1")
    # Paused long enough for a second run to start, wait 2 s and give up, and for `mttq
    # status` to look, even on a 2-core machine loaded by several test suites at once.
    first = subprocess.Popen(
        [MTTQ, "run", "--data-dir", str(data_dir)], cwd=PROJECT, text=True,
        env={**prefect_server.env, "MTTQ_TEST_PAUSE_AT": "load", "MTTQ_TEST_PAUSE_SECONDS": "40"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert first.stderr.readline().strip() == "MTTQ_PAUSED_AT load"
        started = time.monotonic()
        second = mttq("run", "--data-dir", str(data_dir), server=prefect_server,
                      env={"MTTQ_LOCK_TIMEOUT": "2"})
        waited = time.monotonic() - started
        status = mttq("status", "--data-dir", str(data_dir))  # while the first one writes
    finally:
        out, err = first.communicate(timeout=120)
    assert second.returncode == 2
    holder = (data_dir / "warehouse" / "mttq.owner").exists()
    assert not holder  # the first run finished and cleaned up after itself
    assert "Another run is writing: run 2" in " ".join(second.stdout.split())
    assert "Một lần chạy khác đang ghi dữ liệu" in second.stdout
    assert waited >= 2
    assert first.returncode == 0, out + err
    assert status.returncode == 0, status.stderr
    assert "Đang chạy / Now running: run 2" in status.stdout
    assert "Chưa có dữ liệu công bố" in status.stdout  # the first run has not published yet
    assert [r["status"] for r in runs(data_dir)] == ["completed"]  # the busy one left no row


def test_run_on_a_missing_inbox_says_what_to_do_and_creates_nothing(tmp_path):
    data_dir = tmp_path / "data"

    done = mttq("run", "--data-dir", str(data_dir))

    assert done.returncode == 1
    text = " ".join(done.stdout.split())
    inbox = data_dir / "inbox"
    assert (f"Không thấy thư mục hộp thư {inbox}: hãy tạo thư mục này và chép vào đó các tệp "
            f"phường gửi, rồi chạy lại `mttq run --data-dir {data_dir}`; hoặc chỉ ra thư mục "
            f"khác bằng `mttq run --inbox THƯ_MỤC --data-dir {data_dir}`. Chưa có gì được tạo."
            ) in text
    assert (f"Inbox folder not found: {inbox}. Create it and copy the wards' files into it, "
            f"then run `mttq run --data-dir {data_dir}` again; or name another folder with "
            f"`mttq run --inbox DIR --data-dir {data_dir}`. Nothing was created.") in text
    assert "Traceback" not in done.stdout + done.stderr and "Error" not in done.stdout
    assert not data_dir.exists()


def test_rerun_last_failed_after_the_reference_folder_is_fixed(small_inbox, tmp_path,
                                                              prefect_server):
    data_dir = tmp_path / "data"
    copy_inbox(small_inbox, data_dir, only="2021-Q1")
    broken = tmp_path / "reference"  # an administrator's reference folder, still empty
    broken.mkdir()
    failed = mttq("run", "--data-dir", str(data_dir), server=prefect_server,
                  env={"MTTQ_REFERENCE_DIR": str(broken)})
    assert failed.returncode == 1
    text = " ".join(failed.stdout.split())
    assert (f"Lần chạy thất bại / Run failed: không tìm thấy / not found: No such file or "
            f"directory (os error 2): {broken}/units.csv") in text
    assert (f"Sửa nguyên nhân rồi chạy lại: `mttq rerun --last-failed --data-dir {data_dir}` "
            f"/ Fix the cause, then `mttq rerun --last-failed --data-dir {data_dir}`.") in text
    assert "Traceback" not in failed.stdout + failed.stderr
    status = " ".join(mttq("status", "--data-dir", str(data_dir)).stdout.split())
    assert "THẤT BẠI / FAILED" in status and f"{broken}/units.csv" in status  # kept whole

    rerun = run_ok("rerun", "--last-failed", "--data-dir", str(data_dir), server=prefect_server)
    history = runs(data_dir)
    said = " ".join(rerun.stdout.split())
    assert (f"Chạy lại lần chạy {history[0]['run_id']} (nightly) / Re-running nightly run "
            f"{history[0]['run_id']}: thư mục dữ liệu / data dir: {data_dir}; tính lại / "
            f"force: không / no; hộp thư / inbox: mặc định / default; nghiêm ngặt / strict: "
            f"không / no") in said
    assert "{" not in rerun.stdout  # no Python dict
    assert [r["status"] for r in history] == ["failed", "completed"]
    assert history[1]["rerun_of"] == history[0]["run_id"]
    assert history[1]["parameters"] == history[0]["parameters"]
    assert published(data_dir, "select count(*) n from raw.files")["n"][0] > 0

    missing = mttq("rerun", "no-such-run", "--data-dir", str(data_dir))
    assert missing.returncode == 1
    assert (f"không có lần chạy no-such-run trong {data_dir / 'warehouse'} / no run no-such-run "
            f"in {data_dir / 'warehouse'}") in " ".join(missing.stdout.split())


def test_backfill_after_an_admin_adds_a_unit_accepts_the_file_once(small_inbox, tmp_path,
                                                                   prefect_server):
    reference = tmp_path / "reference"
    shutil.copytree(PROJECT / "warehouse" / "reference", reference)
    env = {"MTTQ_REFERENCE_DIR": str(reference)}
    data_dir = tmp_path / "data"
    copy_inbox(small_inbox, data_dir)
    run_ok("run", "--data-dir", str(data_dir), server=prefect_server, env=env)
    unknown = published(data_dir, "select file_hash, period, status, ward_name_as_written "
                        "from raw.files where original_path like '%_ma_sai.xlsx'"
                        ).row(0, named=True)
    assert unknown["status"] == "rejected"
    period = unknown["period"]  # the generator's pick: one of SMALL_QUARTERS
    other = next(q for q in SMALL_QUARTERS if q != period)

    def city_reporting(period):
        return published(data_dir, "select wards_reporting from mart.city_summary where "
                         f"period = '{period}' and indicator_code = 'quy_vi_nguoi_ngheo'")[0, 0]

    before = city_reporting(period)
    with (reference / "units.csv").open("a", encoding="utf-8") as units:
        # the ward the file names, under the code it gives (a name and a code that agree)
        units.write(f"99999,{unknown['ward_name_as_written']},ward,001,01,2020-01-01,"
                    "2025-06-30\n")
    run_ok("run", "--data-dir", str(data_dir), server=prefect_server, env=env)
    assert published(data_dir, "select status from raw.files where file_hash = "
                     f"'{unknown['file_hash']}'")[0, 0] == "rejected"  # nightly re-reads nothing

    outside = run_ok("backfill", "--from", other, "--to", other, "--data-dir",
                     str(data_dir), server=prefect_server, env=env)
    # the file's period is outside the range
    assert "Tệp đổi trạng thái / Files whose status changed 0" in " ".join(outside.stdout.split())
    inside = run_ok("backfill", "--from", period, "--to", period, "--data-dir",
                    str(data_dir), server=prefect_server, env=env)
    text = " ".join(inside.stdout.split())
    assert "Tệp đổi trạng thái / Files whose status changed 1" in text
    assert "Tệp lưu trữ được đọc lại / Archived files read again" in text
    assert "Tệp trong hộp thư" not in text and "Tệp mới" not in text
    accepted = published(data_dir, "select ward_code, status from raw.files where file_hash = "
                         f"'{unknown['file_hash']}'").row(0)
    assert accepted == ("99999", "accepted")
    assert city_reporting(period) == before + 1
    values = published(data_dir, "select count(*) n, count(distinct indicator_code) k from "
                       f"core.ward_values where ward_code = '99999' and period = '{period}'")
    assert values["n"][0] == values["k"][0] > 0  # each indicator once: nothing counted twice
    once = outputs(data_dir)
    run_ok("backfill", "--from", "2021-Q1", "--to", "2022-Q4", "--data-dir", str(data_dir),
           server=prefect_server, env=env)
    for table, frame in outputs(data_dir).items():
        assert_frame_equal(frame, once[table])
    rejected = published(data_dir, "select count(*) from raw.files where status = 'rejected'")
    assert rejected[0, 0] == 3


def test_backfill_rejects_a_range_that_is_not_periods(tmp_path):
    done = mttq("backfill", "--from", "2021", "--to", "2022-Q4", "--data-dir", str(tmp_path))
    assert done.returncode == 1
    assert "Kỳ không hợp lệ / not a valid range: not a period id: '2021'. Dùng kỳ dạng " \
           "2021-Q1 / use quarters such as 2021-Q1." in " ".join(done.stdout.split())


def test_status_before_any_run_then_run_twice_identical_tables_and_80_columns(
        small_inbox, tmp_path, prefect_server):
    data_dir = tmp_path / "data"
    copy_inbox(small_inbox, data_dir)
    empty = mttq("status", "--data-dir", str(data_dir))
    assert empty.returncode == 0, empty.stderr
    said = " ".join(empty.stdout.split())
    assert (f"Chưa có dữ liệu công bố trong {data_dir / 'warehouse'}: hãy chạy `mttq run "
            f"--data-dir {data_dir}` (hoặc `mttq demo` để chạy thử). No published data yet in "
            f"{data_dir / 'warehouse'}: run `mttq run --data-dir {data_dir}` first") in said
    waiting = sum(1 for p in small_inbox.rglob("*") if p.is_file())
    assert f"Tệp chờ lần chạy tới / Files waiting for the next run: {waiting}" in empty.stdout

    first = run_ok("run", "--data-dir", str(data_dir), server=prefect_server)
    assert "bị từ chối / rejected 4" in " ".join(first.stdout.split())
    said = " ".join(first.stdout.split())
    assert (f"Tiếp theo: `mttq status --data-dir {data_dir}` liệt kê các tệp bị từ chối hoặc "
            f"có giá trị lỗi và lý do") in said
    assert f"Next: `mttq status --data-dir {data_dir}` lists the rejected files" in said
    assert ("Các kỳ có số liệu / Periods with values: 2021-Q1, 2021-Q2, 2021-H1, 2021-9M, "
            "2021-Y DuckDB") in said
    shown = mttq("status", "--data-dir", str(data_dir))
    lines = shown.stdout.splitlines()
    assert shown.returncode == 0 and max(len(line) for line in lines) <= 80
    text = shown.stdout
    assert "Các lần chạy gần đây / Recent runs" in text
    heading = next(i for i, line in enumerate(lines) if line.split()[:2] == ["Lần", "chạy"])
    assert lines[heading].split() == ["Lần", "chạy", "Luồng", "Bắt", "đầu", "Kết", "quả",
                                      "Mới", "Loại"]
    assert lines[heading + 1].split() == ["Run", "Flow", "Started", "Result", "New", "Rej."]
    assert lines[heading].index("Mới") == lines[heading + 1].index("New")  # columns line up
    assert lines[heading].index("Loại") == lines[heading + 1].index("Rej.")
    assert f"xong / completed        {waiting}     4" in text
    assert "Tệp chờ lần chạy tới / Files waiting for the next run: 0" in text
    assert "Tệp bị từ chối / Rejected files: 4" in text
    for code in ("F_WARD_UNKNOWN", "F_PERIOD_MISSING", "F_UNREADABLE", "F_UNSUPPORTED_TYPE"):
        assert code in text
    assert "Mức độ đầy đủ, quý gần nhất 2021-Q2 / Completeness, latest quarter 2021-Q2" in text
    assert "Quận, huyện, thấp nhất trước / Districts, worst first:" in text
    assert "Quận Ba Đình" in text

    before = outputs(data_dir)
    second = run_ok("run", "--data-dir", str(data_dir), server=prefect_server)
    assert "Tệp mới / New this run 0" in " ".join(second.stdout.split())
    after = outputs(data_dir)
    for table in before:
        assert_frame_equal(after[table], before[table])

    # a published file that does not say when it was published (made by hand, or damaged)
    assert re.search(r"Công bố / Published: \d{4}-\d\d-\d\d \d\d:\d\d", text)
    with duckdb.connect(str(data_dir / "warehouse" / "mttq.duckdb")) as con:
        con.execute("delete from ops.meta where key = 'published_at'")
    undated = mttq("status", "--data-dir", str(data_dir))
    assert undated.returncode == 0, undated.stderr
    assert ("Công bố / Published: không rõ thời điểm / time unknown (mttq.duckdb"
            in " ".join(undated.stdout.split()))


@pytest.mark.parametrize(("error", "attempts"), [
    (OSError("network share went away"), 2),
    (FileNotFoundError("inbox folder not found"), 1),
    (ValueError("a data error"), 1),
])
def test_io_step_retries_transient_os_errors_only(error, attempts, prefect_harness):
    calls = []

    @io_step
    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise error
        return "ok"

    @flow
    def once() -> str:
        return flaky.with_options(retry_delay_seconds=0)()

    if attempts == 1:
        with pytest.raises(type(error)):
            once()
    else:
        assert once() == "ok"
    assert len(calls) == attempts
