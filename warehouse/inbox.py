"""The inbox and the archive: find files, hash them, keep a content-addressed copy of each.

Nothing is ever deleted or moved out of the inbox: the archive copy (`archive/<sha256>.<ext>`)
is what later runs and backfills read, so an operator may clean the inbox without losing history.
"""

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class InboxFile:
    """A file found in the inbox."""

    path: Path
    relative_path: str
    size_bytes: int
    received_at: datetime  # modification time: when it landed in the inbox
    file_hash: str = ""


def discover(inbox: Path) -> list[InboxFile]:
    """Every regular file under the inbox, sorted by relative path (stable across runs).

    Office lock files (`~$name.xlsx`) and OS litter are skipped: they are not reports.
    """
    found = []
    for root, _dirs, names in os.walk(inbox):
        folder = Path(root)
        relative_folder = Path(os.path.relpath(root, inbox)).as_posix()  # once per folder
        prefix = "" if relative_folder == "." else relative_folder + "/"
        for name in names:
            if name in IGNORED_NAMES or name.startswith("~$") or name.startswith("."):
                continue
            path = folder / name
            stat = os.stat(path)
            found.append(InboxFile(
                path=path,
                relative_path=prefix + name,
                size_bytes=stat.st_size,
                received_at=datetime.fromtimestamp(stat.st_mtime).replace(microsecond=0),
            ))
    return sorted(found, key=lambda f: f.relative_path)


def hash_file(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def with_hashes(files: list[InboxFile]) -> list[InboxFile]:
    return [InboxFile(f.path, f.relative_path, f.size_bytes, f.received_at, hash_file(f.path))
            for f in files]


def archive_path(archive: Path, file_hash: str, suffix: str) -> Path:
    """One flat folder: on ext4, spreading new files over 256 `ab/` sub-folders cost 0.3 ms
    more per file than one folder (each folder lives in its own block group), i.e. 3 s of a
    10,000-file night; one folder indexes hundreds of thousands of names without trouble."""
    return archive / f"{file_hash}{suffix.lower()}"


class ChangedWhileReading(RuntimeError):
    """An inbox file's bytes are not those hashed when the inbox was scanned."""


def keep_copy(data: bytes, file_hash: str, target: Path, source: str = "") -> None:
    """Keep a file's bytes (read from `source`) in the content-addressed archive, once.

    Written to a temporary name, then renamed, so that a killed run never leaves a half-written
    archive file under its final name. The bytes must be those hashed by the scan: a file
    rewritten in the inbox meanwhile would otherwise be kept under another file's hash.
    """
    if hashlib.sha256(data).hexdigest() != file_hash:
        raise ChangedWhileReading(
            f"{source or target.name}: the file changed while the run was reading it; run "
            "again / tệp bị thay đổi trong lúc đang đọc, hãy chạy lại")
    if os.path.exists(target):
        return
    folder = str(target.parent)
    if folder not in _made_folders:  # one mkdir per folder and process, not one per file
        os.makedirs(folder, exist_ok=True)
        _made_folders.add(folder)
    temporary = f"{target}.tmp{os.getpid()}"
    try:
        _write(temporary, data)
    except FileNotFoundError:
        _made_folders.discard(folder)  # the archive was moved or cleaned meanwhile: retry once
        os.makedirs(folder, exist_ok=True)
        _write(temporary, data)
    os.replace(temporary, target)


_made_folders: set[str] = set()


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as writer:
        writer.write(data)


def listing_frame(found: list[InboxFile]) -> pl.DataFrame:
    """The inbox as a frame: file_hash, original_path, size_bytes, received_at (one row a file)."""
    return pl.DataFrame(
        {
            "file_hash": [f.file_hash for f in found],
            "original_path": [f.relative_path for f in found],
            "size_bytes": [f.size_bytes for f in found],
            "received_at": [f.received_at for f in found],
        },
        schema={"file_hash": pl.String, "original_path": pl.String, "size_bytes": pl.Int64,
                "received_at": pl.Datetime("us")},
    )
