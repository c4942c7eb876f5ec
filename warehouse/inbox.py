"""The inbox and the archive: find files, hash them, keep a content-addressed copy of each.

Nothing is ever deleted or moved out of the inbox: the archive copy (`archive/<sha256>.<ext>`)
is what later runs and backfills read, so an operator may clean the inbox without losing history.

Decisions (the inbox is a boundary: whatever lands there, nothing outside it is read):
- Discovery never follows a link: a symlink (to a file or a folder) or any other non-regular
  entry (FIFO, socket, device) is recorded and rejected (F_SYMLINK, F_SPECIAL_FILE) without
  opening it. Its "content" is a short description (`symlink -> target`), hashed and archived
  like a file's bytes, so that the ledger's key and the archive rule hold for every entry.
- Every name is recorded, hidden ones included (`.late_00394.csv` is read like any report).
  Office lock files (`~$x.xlsx`) and OS litter (`Thumbs.db`, `.DS_Store`, `._x`) are recorded
  and archived with the status `skipped` and a reason (I_SKIPPED_*): they never count.
- Names are stored and printed escaped (`display_name`): bytes that are not UTF-8 as `\\xNN`,
  control and format characters (newline, bidi overrides) as `\\n` / `\\u202e`, so that no name
  can break the warehouse's text columns or forge a line of output.
- A file the scan cannot hash (permission, I/O) is recorded with a placeholder key and rejected
  (F_UNREADABLE_FILE): the run goes on. Its key is derived from its path and times, so the same
  unreadable file is recorded once, and a fixed one (its change time moves) is read as new.
- The archive name is the hash plus the extension only when the extension is short and plain
  (`.xlsx`, `.csv`); any other (`.` + 240 characters) is dropped: the hash is the name.
"""

import hashlib
import os
import re
import stat as stat_codes
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import polars as pl

SYSTEM_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db"}
LITTER_STARTS = frozenset("~.TtDdEe")  # first characters of lock files and SYSTEM_NAMES
SAFE_SUFFIX_LENGTH = 10  # `.xlsx`, `.json`: an archive name stays far below 255 bytes


@dataclass(frozen=True)
class InboxFile:
    """A file found in the inbox."""

    path: str  # a plain string: a Path per file was half the cost of listing 10,000 files
    relative_path: str  # escaped for display and storage (display_name)
    size_bytes: int
    received_at: datetime  # modification time: when it landed in the inbox
    # (size, mtime_ns, ctime_ns, inode): unchanged means the same bytes, as git's index assumes;
    # any write to the file changes its ctime, which no program can set back
    stat_key: tuple[int, int, int, int]
    file_hash: str = ""  # filled in by with_hashes
    # a code when the entry must not be read as a report: F_SYMLINK, F_SPECIAL_FILE,
    # F_UNREADABLE_FILE (placeholders, never opened) or I_SKIPPED_* (read only to archive it)
    problem: str = ""
    problem_text: str = ""

    @property
    def is_placeholder(self) -> bool:
        """Recorded by its description, never opened: a link, a special file, unreadable."""
        return self.problem in PLACEHOLDER_CODES


PLACEHOLDER_CODES = ("F_SYMLINK", "F_SPECIAL_FILE", "F_UNREADABLE_FILE")


def display_name(name: str) -> str:
    """A name as stored and printed: undecodable bytes as `\\xNN`, control and format
    characters (newlines, escapes, bidi overrides) as `\\n`, `\\x1b`, `\\u202e`."""
    if name.isprintable():  # almost every name (an undecoded byte is not printable)
        return name
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if text.isprintable():
        return text
    return "".join(
        char if char.isprintable() or char == " " or unicodedata.category(char)[0] not in "CZ"
        else char.encode("unicode_escape").decode("ascii")
        for char in text)


def skip_reason(name: str) -> str:
    """I_SKIPPED_LOCK_FILE for `~$x.xlsx`, I_SKIPPED_SYSTEM_FILE for OS litter, else ''."""
    if name.startswith("~$"):
        return "I_SKIPPED_LOCK_FILE"
    if name.startswith("._") or (len(name) <= 11 and name.lower() in SYSTEM_NAMES):
        return "I_SKIPPED_SYSTEM_FILE"
    return ""


def safe_suffix(suffix: str) -> str:
    """The extension for the archive name: lower case, plain letters and digits, short."""
    suffix = suffix.lower()
    plain = suffix.startswith(".") and suffix[1:].isascii() and suffix[1:].isalnum()
    return suffix if plain and len(suffix) <= SAFE_SUFFIX_LENGTH else ""


def discover(inbox: Path) -> list[InboxFile]:
    """Every entry under the inbox, sorted by relative path (stable across runs).

    Folders are entered (never through a link); every other entry is listed, with a `problem`
    code when it is not a regular file or not a report. Nothing here opens a file.
    """
    found: list[InboxFile] = []
    _discover(str(inbox), "", found)
    return sorted(found, key=lambda f: f.relative_path)


def _discover(folder: str, prefix: str, found: list[InboxFile]) -> None:
    # os.scandir, not os.walk + Path: a third of the cost at 10,000 files
    try:
        entries = os.scandir(folder)
    except OSError as problem:
        if not prefix:
            raise  # the inbox itself: the run's problem
        found.append(_placeholder(folder, prefix.rstrip("/"), None, "F_UNREADABLE_FILE",
                                  problem.strerror or str(problem)))
        return
    with entries:
        for entry in entries:
            relative = prefix + display_name(entry.name)
            try:
                if entry.is_dir(follow_symlinks=False):  # the entry's type: no system call
                    _discover(entry.path, f"{relative}/", found)
                    continue
                info = entry.stat(follow_symlinks=False)
            except OSError as problem:
                found.append(_placeholder(entry.path, relative, None, "F_UNREADABLE_FILE",
                                          problem.strerror or str(problem)))
                continue
            if stat_codes.S_ISLNK(info.st_mode):
                try:
                    target = display_name(os.readlink(entry.path))
                except OSError:
                    target = "?"
                found.append(_placeholder(entry.path, relative, info, "F_SYMLINK", target))
            elif not stat_codes.S_ISREG(info.st_mode):
                found.append(_placeholder(entry.path, relative, info, "F_SPECIAL_FILE",
                                          _special_kind(info.st_mode)))
            else:
                found.append(InboxFile(
                    path=entry.path,
                    relative_path=relative,
                    size_bytes=info.st_size,
                    received_at=datetime.fromtimestamp(info.st_mtime).replace(microsecond=0),
                    stat_key=(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino),
                    # skip_reason only for names that may be litter: a tenth of the scan else
                    problem=skip_reason(entry.name) if entry.name[0] in LITTER_STARTS else "",
                ))


def inspect_path(path: str) -> tuple[str, str]:
    """(problem, detail) of one path given by name, as discovery would see it (never through
    a link): ("", "") for a regular file."""
    info = os.lstat(path)
    if stat_codes.S_ISLNK(info.st_mode):
        return "F_SYMLINK", display_name(os.readlink(path))
    if not stat_codes.S_ISREG(info.st_mode):
        return "F_SPECIAL_FILE", _special_kind(info.st_mode)
    return skip_reason(os.path.basename(path)), ""


def _special_kind(mode: int) -> str:
    for test, kind in ((stat_codes.S_ISFIFO, "FIFO"), (stat_codes.S_ISSOCK, "socket"),
                       (stat_codes.S_ISCHR, "character device"),
                       (stat_codes.S_ISBLK, "block device")):
        if test(mode):
            return kind
    return "special file"


def _placeholder(path: str, relative: str, info: os.stat_result | None, code: str,
                 detail: str) -> InboxFile:
    mtime = info.st_mtime_ns if info else 0
    return InboxFile(
        path=path, relative_path=relative, size_bytes=0,
        received_at=datetime.fromtimestamp(mtime / 1e9).replace(microsecond=0),
        stat_key=(0, mtime, info.st_ctime_ns if info else 0, info.st_ino if info else 0),
        problem=code, problem_text=detail)


def placeholder_bytes(entry: InboxFile) -> bytes:
    """What stands for the content of an entry that is never opened (hashed and archived):
    `symlink shadow -> /etc/shadow` (each entry its own: two links to one target are two
    rejections, not a duplicate); for an unreadable file also its times, so that the same
    unreadable file keeps one key and a fixed one (new change time) gets a new one."""
    words = {"F_SYMLINK": "symlink", "F_SPECIAL_FILE": "special file",
             "F_UNREADABLE_FILE": "unreadable"}[entry.problem]
    detail = f"{entry.relative_path} -> {entry.problem_text}"
    if entry.problem == "F_UNREADABLE_FILE":
        _size, mtime, ctime, _inode = entry.stat_key
        detail = f"{entry.relative_path} {mtime} {ctime} {entry.problem_text}"
    return f"mttq inbox entry not read / không đọc: {words} {detail}\n".encode()


def hash_file(path: str | Path) -> str:
    """SHA-256 of the file's bytes (never through a link)."""
    with open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK), "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


# relative path -> (stat_key, file_hash): what a scan saw, kept for the next one
ScanIndex = dict[str, tuple[tuple[int, int, int, int], str]]
RACY_NS = 2_000_000_000  # a file changed this close to the scan may change again unseen


def with_hashes(files: list[InboxFile], known: ScanIndex | None = None) -> list[InboxFile]:
    """The files with their SHA-256; `known` (the last scan's index) saves reading a file
    whose size, times and inode have not changed. A file that cannot be read becomes an
    F_UNREADABLE_FILE placeholder: one file's permission never stops the scan."""
    known = known or {}

    def hashed(f: InboxFile) -> InboxFile:
        if f.is_placeholder:
            return replace(f, file_hash=hashlib.sha256(placeholder_bytes(f)).hexdigest())
        stat_key, cached = known.get(f.relative_path, (None, ""))
        if stat_key == f.stat_key:
            return replace(f, file_hash=cached)
        try:
            return replace(f, file_hash=hash_file(f.path))
        except OSError as problem:
            unreadable = replace(f, problem="F_UNREADABLE_FILE",
                                 problem_text=problem.strerror or str(problem))
            return hashed(unreadable)

    return [hashed(f) for f in files]


def scan_index(files: list[InboxFile], scanned_at_ns: int) -> ScanIndex:
    """What the next scan may trust of this one (hashed files). A file changed within 2 s of
    the scan gets an unmatchable change time (as git's "racy" index entries): a second write in
    the same clock tick could leave its size and times as they were. Placeholders are left
    out: they are described again each time, never trusted."""
    def trusted(key: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        size, mtime, ctime, inode = key
        return size, mtime, ctime if ctime < scanned_at_ns - RACY_NS else -1, inode

    return {f.relative_path: (trusted(f.stat_key), f.file_hash) for f in files
            if not f.is_placeholder}


def archive_path(archive: Path, file_hash: str, suffix: str) -> Path:
    """One flat folder: on ext4, spreading new files over 256 `ab/` sub-folders cost 0.3 ms
    more per file than one folder (each folder lives in its own block group), i.e. 3 s of a
    10,000-file night; one folder indexes hundreds of thousands of names without trouble.
    Of `suffix` (the inbox name's `Path.suffix`) only a short plain extension is kept."""
    return archive / f"{file_hash}{safe_suffix(suffix)}"


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
    temporary = temporary_name(target)
    try:
        _write(temporary, data)
    except FileNotFoundError:
        _made_folders.discard(folder)  # the archive was moved or cleaned meanwhile: retry once
        os.makedirs(folder, exist_ok=True)
        _write(temporary, data)
    os.replace(temporary, target)


_made_folders: set[str] = set()


def keep_copy_from(handle, file_hash: str, target: Path, source: str = "") -> None:
    """keep_copy for a file too large to hold in memory: copied and hashed in 1 MiB blocks."""
    if os.path.exists(target):
        return
    os.makedirs(target.parent, exist_ok=True)
    temporary = temporary_name(target)
    digest = hashlib.sha256()
    with open(temporary, "wb") as writer:
        while block := handle.read(2 ** 20):
            digest.update(block)
            writer.write(block)
    if digest.hexdigest() != file_hash:
        os.unlink(temporary)
        raise ChangedWhileReading(
            f"{source or target.name}: the file changed while the run was reading it; run "
            "again / tệp bị thay đổi trong lúc đang đọc, hãy chạy lại")
    os.replace(temporary, target)


def temporary_name(target: Path) -> str:
    """`.<name>.tmp<pid>`: a final archive name never starts with a dot."""
    return str(target.with_name(f".{target.name}.tmp{os.getpid()}"))


ORPHAN = re.compile(r"^\..+\.tmp\d+$|^[0-9a-f]{64}\.[a-z0-9]+\.tmp\d+$")  # ours, and older


def remove_orphan_temporaries(archive: Path) -> int:
    """Delete what killed runs left half-written in the archive (call under the writer's
    lock, before reading starts). Returns how many were removed."""
    removed = 0
    try:
        entries = list(os.scandir(archive))
    except FileNotFoundError:
        return 0
    for entry in entries:
        if ORPHAN.match(entry.name) and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)
            removed += 1
    return removed


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
