"""The latest report wins; the same bytes twice are a duplicate; nothing is dropped."""

from datetime import date, datetime

import polars as pl
from polars.testing import assert_frame_equal

from transforms.ledger import classify_inbox, resolve_supersession


def ledger(rows):
    return pl.DataFrame(rows, schema={
        "file_hash": pl.String, "original_path": pl.String, "ingest_status": pl.String,
        "ward_code": pl.String, "period": pl.String, "report_date": pl.Date,
        "received_at": pl.Datetime("us"), "seen_at": pl.Datetime("us")}, orient="row")


D1, D2 = datetime(2021, 10, 5), datetime(2021, 10, 9)


def statuses(frame):
    return dict(zip(frame["file_hash"], zip(frame["status"], frame["superseded_by"],
                                              strict=True), strict=True))


def test_resolve_supersession_later_report_date_wins():
    files = ledger([
        ("a", "x/a.xlsx", "accepted", "00001", "2021-Q3", date(2021, 10, 8), D1, D1),
        ("b", "x/b.xlsx", "accepted_with_errors", "00001", "2021-Q3", date(2021, 10, 2), D2, D2),
    ])
    assert statuses(resolve_supersession(files)) == {
        "a": ("accepted", None), "b": ("superseded", "a")}


def test_resolve_supersession_same_report_date_later_arrival_wins():
    files = ledger([
        ("a", "a.xlsx", "accepted", "00001", "2021-Q3", date(2021, 10, 2), D1, D1),
        ("b", "b.xlsx", "accepted", "00001", "2021-Q3", date(2021, 10, 2), D2, D2),
    ])
    assert statuses(resolve_supersession(files)) == {
        "a": ("superseded", "b"), "b": ("accepted", None)}


def test_resolve_supersession_leaves_rejected_duplicates_and_other_periods_alone():
    files = ledger([
        ("a", "a.xlsx", "accepted", "00001", "2021-Q3", date(2021, 10, 2), D1, D1),
        ("r", "r.xlsx", "rejected", "00001", "2021-Q3", date(2021, 12, 2), D2, D2),
        ("a", "copy/a.xlsx", "duplicate", "00001", "2021-Q3", date(2021, 10, 2), D2, D2),
        ("q", "q.xlsx", "accepted", "00001", "2021-Q4", date(2021, 1, 2), D1, D1),
    ])
    out = resolve_supersession(files)
    assert out.height == 4
    assert sorted(out["status"].to_list()) == ["accepted", "accepted", "duplicate", "rejected"]


def test_resolve_supersession_is_independent_of_row_order():
    files = ledger([
        ("a", "a.xlsx", "accepted", "00001", "2021-Q3", date(2021, 10, 2), D1, D1),
        ("b", "b.xlsx", "accepted", "00001", "2021-Q3", date(2021, 10, 2), D1, D1),
    ])
    assert_frame_equal(resolve_supersession(files), resolve_supersession(files.reverse()))


def test_classify_inbox_new_duplicate_and_known():
    listing = pl.DataFrame({"file_hash": ["h1", "h2", "h2", "h3"],
                            "original_path": ["a.xlsx", "b.xlsx", "c/b.xlsx", "d.xlsx"]})
    known = pl.DataFrame({"file_hash": ["h1", "h3"], "original_path": ["a.xlsx", "old/d.xlsx"]})
    out = classify_inbox(listing, known)
    assert out.select("original_path", "duplicate_of").rows() == [
        ("b.xlsx", None), ("c/b.xlsx", "b.xlsx"), ("d.xlsx", "old/d.xlsx")]
