"""The archive keeps each file's bytes once, under their hash, and never the wrong bytes."""

import hashlib
import os
import time

import pytest

from warehouse import db, inbox, state
from warehouse.inbox import (
    ChangedWhileReading,
    archive_path,
    discover,
    display_name,
    keep_copy,
    with_hashes,
)
from warehouse.readers import read_batch


def test_read_batch_archives_the_bytes_it_reads(tmp_path):
    source = tmp_path / "inbox" / "00001.json"
    source.parent.mkdir()
    source.write_text('{"ma_don_vi": "00001", "ky_bao_cao": "2021-Q3", '
                      '"chi_tieu": {"giam_sat_cuoc": 3}}')
    file_hash = hashlib.sha256(source.read_bytes()).hexdigest()
    target = archive_path(tmp_path / "archive", file_hash, ".json")

    files, cells = read_batch([(file_hash, str(source), str(target))])

    assert target.read_bytes() == source.read_bytes()
    assert target == tmp_path / "archive" / f"{file_hash}.json"
    assert files["read_error"] == [None] and cells["value_text"] == ["3"]
    assert list(target.parent.iterdir()) == [target]  # no temporary file left behind


def test_a_file_rewritten_after_the_scan_is_not_archived_under_the_old_hash(tmp_path):
    target = archive_path(tmp_path / "archive", "0" * 64, ".xlsx")
    with pytest.raises(ChangedWhileReading, match="inbox/a.xlsx: the file changed while the "
                                                  "run was reading it; run again"):
        keep_copy(b"new bytes", "0" * 64, target, source="inbox/a.xlsx")
    assert not target.parent.exists() or not any(target.parent.iterdir())


def test_keep_copy_keeps_the_first_copy(tmp_path):
    data = b"report"
    file_hash = hashlib.sha256(data).hexdigest()
    target = archive_path(tmp_path / "archive", file_hash, ".csv")
    keep_copy(data, file_hash, target)
    mtime = target.stat().st_mtime_ns
    keep_copy(data, file_hash, target)
    assert target.read_bytes() == data and target.stat().st_mtime_ns == mtime


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_discover_lists_every_entry_and_marks_office_litter_skipped(tmp_path):
    (tmp_path / "quan_1" / "q3").mkdir(parents=True)
    (tmp_path / "quan_1" / "q3" / "00001.xlsx").write_bytes(b"a")
    (tmp_path / "00002.csv").write_bytes(b"bb")
    (tmp_path / ".late_00394.csv").write_bytes(b"ccc")
    for litter in ("~$00001.xlsx", ".DS_Store", "Thumbs.db"):
        (tmp_path / "quan_1" / litter).write_bytes(b"x")

    found = discover(tmp_path)

    assert [(f.relative_path, f.size_bytes, f.problem) for f in found] == [
        (".late_00394.csv", 3, ""),
        ("00002.csv", 2, ""),
        ("quan_1/.DS_Store", 1, "I_SKIPPED_SYSTEM_FILE"),
        ("quan_1/Thumbs.db", 1, "I_SKIPPED_SYSTEM_FILE"),
        ("quan_1/q3/00001.xlsx", 1, ""),
        ("quan_1/~$00001.xlsx", 1, "I_SKIPPED_LOCK_FILE"),
    ]


@pytest.mark.parametrize(("raw", "shown"), [
    ("Phường ư.csv".encode(), "Phường ư.csv"),
    (b"bad\xff\xfe.csv", "bad\\xff\\xfe.csv"),
    (b"two\nlines.csv", "two\\nlines.csv"),
    (b"esc\x1b[31mred.csv", "esc\\x1b[31mred.csv"),
    ("rtl\u202egpj.csv".encode(), "rtl\\u202egpj.csv"),
])
def test_display_name_escapes_bytes_and_control_characters(raw, shown):
    assert display_name(os.fsdecode(raw)) == shown


def test_discover_records_links_and_special_files_without_opening_them(tmp_path):
    outside = tmp_path / "outside.csv"
    outside.write_text("secret")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "link.csv").symlink_to(outside)
    (inbox / "folder_link").symlink_to(tmp_path)
    os.mkfifo(inbox / "pipe.csv")

    found = with_hashes(discover(inbox))

    assert [(f.relative_path, f.problem, f.problem_text) for f in found] == [
        ("folder_link", "F_SYMLINK", str(tmp_path)),
        ("link.csv", "F_SYMLINK", str(outside)),
        ("pipe.csv", "F_SPECIAL_FILE", "FIFO"),
    ]
    assert all(len(f.file_hash) == 64 for f in found)


def test_an_unchanged_file_is_not_hashed_again(tmp_path, monkeypatch):
    (tmp_path / "00001.csv").write_bytes(b"first report")
    first = with_hashes(discover(tmp_path))
    known = {f.relative_path: (f.stat_key, f.file_hash) for f in first}
    monkeypatch.setattr(inbox, "hash_file", lambda path: pytest.fail(f"{path} hashed again"))

    again = with_hashes(discover(tmp_path), known)

    assert [f.file_hash for f in again] == [_sha256(b"first report")]


def test_a_file_rewritten_in_place_is_hashed_again_even_with_its_old_size_and_time(tmp_path):
    report = tmp_path / "00001.csv"
    report.write_bytes(b"value 1084")
    first = with_hashes(discover(tmp_path))
    known = {f.relative_path: (f.stat_key, f.file_hash) for f in first}
    old = report.stat()
    time.sleep(0.05)  # past the file system's clock tick, as any real rewrite is
    report.write_bytes(b"value 1048")  # the same size; and the old modification time put back
    os.utime(report, ns=(old.st_atime_ns, old.st_mtime_ns))

    again = with_hashes(discover(tmp_path), known)

    assert again[0].received_at == first[0].received_at  # what an mtime cache would trust
    assert again[0].file_hash == _sha256(b"value 1048")


def test_the_scan_index_trusts_only_files_that_settled_before_the_scan(tmp_path):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "00001.csv").write_bytes(b"report")
    found = with_hashes(discover(tmp_path / "inbox"))
    written_ns = found[0].stat_key[2]

    with db.connect(tmp_path / "state.duckdb") as con:
        state.save_inbox_index(con, inbox.scan_index(found, written_ns + 1))  # just written
        just_written = state.inbox_index(con)
        state.save_inbox_index(con, inbox.scan_index(found, written_ns + 10**10))  # 10 s on
        settled = state.inbox_index(con)

    assert just_written["00001.csv"][0] != found[0].stat_key  # will be hashed again
    assert settled == {"00001.csv": (found[0].stat_key, _sha256(b"report"))}


def test_with_hashes_a_file_gone_before_hashing_is_its_own_finding(tmp_path):
    (tmp_path / "00001.csv").write_bytes(b"report")
    (tmp_path / "00002.csv").write_bytes(b"other")
    found = discover(tmp_path)
    (tmp_path / "00002.csv").unlink()  # moved away by the operator mid-scan

    hashed = with_hashes(found)

    assert [(f.relative_path, f.problem) for f in hashed] == [
        ("00001.csv", ""), ("00002.csv", "F_UNREADABLE_FILE")]
    assert hashed[1].problem_text == "No such file or directory"
    assert hashed[0].file_hash == hashlib.sha256(b"report").hexdigest()
    assert inbox.scan_index(hashed, 0).keys() == {"00001.csv"}  # never trusted next time


@pytest.mark.parametrize(("suffix", "name"), [
    (".XLSX", "h.xlsx"), (".csv", "h.csv"), ("", "h"), ("." + "x" * 240, "h"),
    (".xlsx\n", "h"), (".tar-gz", "h"),
])
def test_archive_path_keeps_only_a_short_plain_extension(tmp_path, suffix, name):
    assert archive_path(tmp_path, "h", suffix) == tmp_path / name


def test_remove_orphan_temporaries_leaves_archived_files(tmp_path):
    kept = ["a" * 64 + ".xlsx", "b" * 64 + ".tmp", "c" * 64]
    orphans = [".%s.xlsx.tmp123" % ("a" * 64), "d" * 64 + ".csv.tmp99"]
    for name in kept + orphans:
        (tmp_path / name).write_bytes(b"x")
    assert inbox.remove_orphan_temporaries(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(kept)


def test_keep_copy_from_streams_and_checks_the_hash(tmp_path):
    data = os.urandom(3 * 2 ** 20 + 5)
    source = tmp_path / "big.csv"
    source.write_bytes(data)
    target = tmp_path / "archive" / "big.csv"
    with open(source, "rb") as handle:
        inbox.keep_copy_from(handle, hashlib.sha256(data).hexdigest(), target)
    assert target.read_bytes() == data
    with open(source, "rb") as handle, pytest.raises(ChangedWhileReading):
        inbox.keep_copy_from(handle, "0" * 64, tmp_path / "archive" / "other.csv")
    assert sorted(p.name for p in (tmp_path / "archive").iterdir()) == ["big.csv"]
