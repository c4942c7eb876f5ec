"""What one file may cost to read: checked before parsing, each a coded rejection."""

import io
import zipfile

import pytest

from warehouse.readers import ReadLimits, read_batch, read_submission

SMALL = ReadLimits(max_file_bytes=1000, max_unpacked_bytes=2 * 2 ** 20,
                   max_compression_ratio=50, max_rows=3)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as book:
        for name, data in members.items():
            book.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("members", "found"), [
    ({"xl/worksheets/sheet1.xml": b"<row/>" * 600_000}, "3 MB, ×"),  # over 2 MB unpacked
    ({"xl/worksheets/sheet1.xml": b"a" * (1_500_000)}, "1 MB, ×"),  # ratio far over 50
])
@pytest.mark.parametrize("suffix", [".xlsx", ".ods", ".xlsb"])
def test_read_submission_zip_directory_limits(tmp_path, members, found, suffix):
    path = tmp_path / f"bom{suffix}"
    path.write_bytes(_zip(members))
    submission = read_submission(path, limits=SMALL)
    assert submission.error_code == "F_ZIP_TOO_LARGE"
    assert submission.error_text.startswith(found)


@pytest.mark.parametrize(("name", "data"), [
    ("a.csv", b"ma_don_vi,ky_bao_cao,ma_chi_tieu,gia_tri\n" + b"00001,2021-Q3,x,1\n" * 4),
    ("a.json", b'{"ma_don_vi": "00001", "ky_bao_cao": "2021-Q3", "chi_tieu": '
               b'{"a": 1, "b": 2, "c": 3, "d": 4}}'),
])
def test_read_submission_row_limit(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    submission = read_submission(path, limits=SMALL)
    assert (submission.error_code, submission.error_text, submission.cells) == (
        "F_TOO_MANY_ROWS", "> 3", [])


def test_read_batch_size_limit_archives_and_rejects_unread(tmp_path):
    path = tmp_path / "big.csv"
    data = b"ma_don_vi,ky_bao_cao,ma_chi_tieu,gia_tri\n" + b"00001,2021-Q3,x,1\n" * 100
    path.write_bytes(data)
    import hashlib
    file_hash = hashlib.sha256(data).hexdigest()
    archived = tmp_path / "archive" / f"{file_hash}.csv"
    files, cells = read_batch([(file_hash, str(path), str(archived))], SMALL)
    assert (files["read_error"], files["read_error_text"]) == (["F_FILE_TOO_LARGE"],
                                                               ["0.0 MB > 0 MB"])
    assert archived.read_bytes() == data and cells["file_hash"] == []


def test_read_batch_placeholder_is_never_opened(tmp_path):
    files, _ = read_batch([("h", str(tmp_path / "does-not-exist"), "", "F_SYMLINK",
                            "/etc/shadow")])
    assert (files["read_error"], files["read_error_text"]) == (["F_SYMLINK"], ["/etc/shadow"])


def test_read_batch_a_file_gone_before_reading_is_its_own_finding(tmp_path):
    files, _ = read_batch([("h", str(tmp_path / "gone.csv"), str(tmp_path / "a" / "h.csv"))])
    assert (files["read_error"], files["read_error_text"]) == (
        ["F_UNREADABLE_FILE"], ["No such file or directory"])


def test_read_submission_json_huge_integers_are_text(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"ma_don_vi": "00001", "ky_bao_cao": "2021-Q3", "chi_tieu": '
                    '{"a": ' + "9" * 5000 + ', "b": 12}}')
    submission = read_submission(path)
    assert submission.error_code is None
    assert [(c[6][:3], c[7]) for c in submission.cells] == [("999", None), ("12", 12.0)]


def test_read_batch_a_file_saved_again_since_the_scan_is_its_own_finding(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"new bytes")
    archived = tmp_path / "archive" / "h.csv"
    files, _ = read_batch([("0" * 64, str(path), str(archived))])  # scanned with another hash
    assert files["read_error"] == ["F_CHANGED_WHILE_READING"]
    assert not archived.exists()
