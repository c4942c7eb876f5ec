"""The archive keeps each file's bytes once, under their hash, and never the wrong bytes."""

import hashlib

import pytest

from warehouse.inbox import ChangedWhileReading, archive_path, keep_copy
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
