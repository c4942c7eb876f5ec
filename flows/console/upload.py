"""Nộp tệp / Drop files, and Kiểm tra tệp / Check a file: `mttq validate`'s answer, in words.

Dropped files are saved into the inbox under a clean name that no file there has yet (the next
run takes them); checked files are read from a temporary folder and never kept.

Decisions:
- A file is first written to a hidden `.upload-*.part` in the inbox (the scan skips hidden
  names, so a run never reads half a file), then linked to its final name, which fails rather
  than replaces when the name is taken: `x.xlsx`, then `x (2).xlsx`, ...
- The answer comes from `flows.checks.validate_files`, the code of `mttq validate`, on the saved
  file: what the clerk reads is what the run will decide (before duplicates and supersession,
  which depend on the other files).
"""

import os
import secrets
import shutil
import tempfile
from functools import cache
from pathlib import Path

import polars as pl
from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import HTMLResponse

from flows.checks import validate_files
from flows.console.app import ConsoleError, render
from flows.console.data import NotPublished, published, rows
from flows.console.security import clean_filename
from flows.console.words import status_words, vn_date
from transforms.findings import place_words
from transforms.periods import period_end
from warehouse import reference
from warehouse.inbox import display_name, hash_file

router = APIRouter()


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request) -> HTMLResponse:
    return render(request, "upload.html", {"answers": None, "mode": "upload"})


@router.post("/upload", response_class=HTMLResponse)
async def upload_files(request: Request) -> HTMLResponse:
    uploads = await _uploads(request)
    inbox = request.app.state.settings.inbox_dir
    saved: list[tuple[str, Path | None]] = []
    for upload in uploads:
        if _too_large(request, upload):
            saved.append((upload.filename or "", None))
            continue
        saved.append((upload.filename or "", save_into_inbox(
            inbox, upload, request.app.state.settings.umask)))
    answers = check_paths(request, saved, inbox)
    note_already_received(request, answers, [path for _, path in saved])
    return render(request, "upload.html", {"answers": answers, "mode": "upload"})


@router.get("/check", response_class=HTMLResponse)
def check_page(request: Request) -> HTMLResponse:
    return render(request, "upload.html", {"answers": None, "mode": "check"})


@router.post("/check", response_class=HTMLResponse)
async def check_files(request: Request) -> HTMLResponse:
    uploads = await _uploads(request)
    with tempfile.TemporaryDirectory(prefix="mttq-check-") as scratch:
        written: list[tuple[str, Path | None]] = []
        for index, upload in enumerate(uploads):
            if _too_large(request, upload):
                written.append((upload.filename or "", None))
                continue
            folder = Path(scratch) / str(index)  # one folder each: two files may share a name
            folder.mkdir()
            path = folder / clean_filename(upload.filename or "")
            with path.open("wb") as out:
                shutil.copyfileobj(upload.file, out)
            written.append((upload.filename or "", path))
        answers = check_paths(request, written, None)
    return render(request, "upload.html", {"answers": answers, "mode": "check"})


async def _uploads(request: Request) -> list[UploadFile]:
    form = await request.form()
    files = [f for f in form.getlist("files") if hasattr(f, "filename") and f.filename]
    limits = request.app.state.limits
    if not files:
        raise ConsoleError(400, "Chưa chọn tệp nào. Hãy kéo thả hoặc chọn tệp báo cáo.",
                           "No file was chosen. Drop or pick the report files.")
    if len(files) > limits.files:
        raise ConsoleError(
            413, f"Quá nhiều tệp ({len(files)}): tối đa {limits.files} tệp mỗi lần gửi.",
            f"Too many files ({len(files)}): at most {limits.files} at a time.")
    return files


def note_already_received(request: Request, answers: list[dict],
                          paths: list[Path | None]) -> None:
    """Say when a dropped file has the same bytes as one a run already recorded: the next run
    counts it as a duplicate (SPEC §5), so the ward's correction did not arrive."""
    hashes = {str(path): hash_file(path) for path in paths if path is not None}
    if not hashes:
        return
    try:
        with published(request.app.state.settings, "raw.files") as con:
            known = rows(con, "known_files", [list(hashes.values())])
    except NotPublished:
        return
    first = {}
    for row in known:
        first.setdefault(row["file_hash"], row)
    for answer, path in zip(answers, paths, strict=True):
        seen = first.get(hashes.get(str(path), ""))
        if seen:
            answer["already"] = {"name": seen["original_path"],
                                 "when": vn_date(seen["received_at"]),
                                 "status": status_words(seen["status"])}


def _too_large(request: Request, upload: UploadFile) -> bool:
    return (upload.size or 0) > request.app.state.limits.file_bytes


def save_into_inbox(inbox: Path, upload: UploadFile, umask: int = 0o077) -> Path:
    """Write the upload into the inbox under a clean, unused name; never replace a file.

    Modes follow the run's (`MTTQ_UMASK`, owner-only by default): folder 0700, file 0600.
    """
    inbox.mkdir(parents=True, exist_ok=True, mode=0o777 & ~umask)
    name = clean_filename(upload.filename or "")
    partial = inbox / f".upload-{secrets.token_hex(8)}.part"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 & ~umask)
    with open(descriptor, "wb") as out:
        shutil.copyfileobj(upload.file, out)
    try:
        for candidate in _candidates(name):
            target = inbox / candidate
            if target.resolve().parent != inbox.resolve():  # a clean name cannot, but be sure
                raise ConsoleError(400, "Tên tệp không hợp lệ.", "Invalid file name.")
            try:
                os.link(partial, target)
                return target
            except FileExistsError:
                continue
            except OSError:  # no hard links here (a network share, FAT): exclusive create
                try:
                    with partial.open("rb") as source, open(os.open(
                            target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 & ~umask),
                            "wb") as out:
                        shutil.copyfileobj(source, out)
                    return target
                except FileExistsError:
                    continue
    finally:
        partial.unlink(missing_ok=True)
    raise ConsoleError(409, "Không chọn được tên tệp mới.", "No free file name was found.")


def _candidates(name: str):
    stem, dot, suffix = name.rpartition(".")
    stem, suffix = (stem, f".{suffix}") if dot else (name, "")
    yield name
    for number in range(2, 1000):
        yield f"{stem} ({number}){suffix}"


@cache
def _units() -> pl.DataFrame:
    return reference.load_units()


def ward_and_district(ward_code: str, period: str | None) -> dict:
    """The ward's name and district in the hierarchy valid at the period's end (codes were
    reused by the 2025 reform); the latest version when the period is unknown."""
    units = _units()
    if period:
        units = reference.units_valid_on(units, period_end(period))
    else:
        units = units.sort("valid_from", descending=True).unique("unit_code", keep="first")
    names = dict(zip(units["unit_code"], zip(units["unit_name"], units["parent_code"],
                                             strict=True), strict=True))
    name, parent = names.get(ward_code, ("?", None))
    district = names.get(parent, ("", None))[0] if parent else ""
    return {"code": ward_code, "name": name, "district": district}


def check_paths(request: Request, files: list[tuple[str, Path | None]],
                inbox: Path | None) -> list[dict]:
    """One answer per file, in the order given: status, ward, period, every finding."""
    paths = [path for _, path in files if path is not None]
    outcome = validate_files(paths, strict=request.app.state.settings.strict) if paths else None
    by_path = {row["path"]: row for row in outcome.files.iter_rows(named=True)} if outcome \
        else {}  # keyed as validate shows paths (display_name)
    limits = request.app.state.limits
    answers = []
    for original, path in files:
        if path is None:
            mb = limits.file_bytes // (1024 * 1024)
            answers.append({
                "original": original, "saved_as": None, "status": "too_large",
                "status_words": status_words("too_large"), "ward": None, "period": None,
                "findings": [{"code": "", "severity": "error", "place": ("cả tệp", "whole file"),
                              "vi": f"Tệp lớn hơn {mb} MB nên không được lưu. Tệp báo cáo "
                                    "theo mẫu chỉ khoảng 20 KB: hãy lưu lại tệp, bỏ hình ảnh.",
                              "en": f"The file is larger than {mb} MB and was not saved. A "
                                    "template report is about 20 KB: save it again without "
                                    "pictures."}]})
            continue
        row = by_path[display_name(str(path))]
        findings = outcome.findings.filter(pl.col("file_hash") == row["file_hash"])
        ward = ward_and_district(row["ward_code"], row["period"]) if row["ward_code"] else None
        answers.append({
            "original": original,
            "saved_as": path.relative_to(inbox).as_posix() if inbox else None,
            "status": row["status"], "status_words": status_words(row["status"]),
            "ward": ward, "period": row["period"],
            "findings": [{"code": f["finding_code"], "severity": f["severity"],
                          "place": place_words(f["sheet"], f["row"], f["column"]),
                          "vi": f["message_vi"], "en": f["message_en"]}
                         for f in findings.iter_rows(named=True)],
        })
    return answers
