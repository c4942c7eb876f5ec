"""The latest report wins; the same bytes twice are a duplicate; nothing is dropped."""

from datetime import date, datetime

import polars as pl
from polars.testing import assert_frame_equal

from transforms.ledger import (
    classify_inbox,
    ledger_counts,
    merge_new_files,
    merge_reread_files,
    resolve_supersession,
    status_changes,
)


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


# --- merging a run into the state (what flows/tasks.py commits) -----------------------------

def known_ledger(rows):
    frame = ledger([row[:8] for row in rows])
    return frame.with_columns(
        pl.Series("status", [row[8] for row in rows], dtype=pl.String),
        pl.Series("superseded_by", [row[9] for row in rows], dtype=pl.String),
        pl.lit("xlsx").alias("file_format"), pl.lit("run-1").alias("run_id"),
        *[pl.lit(None, dtype=pl.String).alias(c) for c in AS_WRITTEN],
    )


AS_WRITTEN = ("ward_name_as_written", "district_name_as_written", "author")


def ingested(files, values=None, findings=None):
    from transforms.findings import findings_frame
    from transforms.ingest import Ingested

    return Ingested(
        files=pl.DataFrame(files, schema={"file_hash": pl.String, "file_format": pl.String,
                                          "ingest_status": pl.String, "ward_code": pl.String,
                                          "period": pl.String, "report_date": pl.Date},
                           orient="row").with_columns(
            *[pl.lit("?", dtype=pl.String).alias(c) for c in AS_WRITTEN]),
        values=pl.DataFrame(values or [], schema={"file_hash": pl.String,
                                                  "indicator_code": pl.String,
                                                  "value": pl.Float64}, orient="row"),
        findings=findings if findings is not None else findings_frame([]),
    )


def values(rows):
    return pl.DataFrame(rows, schema={"file_hash": pl.String, "indicator_code": pl.String,
                                      "value": pl.Float64}, orient="row")


KNOWN = known_ledger([
    ("a", "x/a.xlsx", "accepted", "00001", "2021-Q3", date(2021, 10, 2), D1, D1, "accepted", None),
])


def test_merge_new_files_later_report_supersedes_and_a_copy_is_a_duplicate():
    from transforms.findings import findings_frame

    new_files = pl.DataFrame({
        "file_hash": ["b", "a"], "original_path": ["x/b.xlsx", "y/a.xlsx"],
        "size_bytes": [10, 20], "received_at": [D2, D2], "duplicate_of": [None, "x/a.xlsx"]})
    merged = merge_new_files(
        KNOWN, values([("a", "giam_sat_cuoc", 3.0)]), findings_frame([]), new_files,
        ingested([("b", "xlsx", "accepted", "00001", "2021-Q3", date(2021, 10, 8))],
                 values=[("b", "giam_sat_cuoc", 5.0)]),
        D2, "run-2")

    assert sorted(merged.ledger.select("original_path", "status", "superseded_by").rows()) == [
        ("x/a.xlsx", "superseded", "b"), ("x/b.xlsx", "accepted", None),
        ("y/a.xlsx", "duplicate", None)]
    assert sorted(merged.added_files["original_path"]) == ["x/b.xlsx", "y/a.xlsx"]
    assert set(merged.added_files["run_id"]) == {"run-2"}
    assert merged.added_findings.select("finding_code", "file_hash", "found_text").rows() == [
        ("I_DUPLICATE", "a", "x/a.xlsx")]
    assert merged.findings.height == 1
    assert merged.values.sort("file_hash")["value"].to_list() == [3.0, 5.0]
    assert ledger_counts(merged.ledger, 3, 2, merged.added_files) == {
        "files_seen": 3, "files_new": 2, "files_accepted": 1, "files_with_errors": 0,
        "files_rejected": 0, "files_duplicate": 1, "files_skipped": 0,
        "files_superseded": 1}


def test_merge_reread_files_replaces_decisions_values_and_findings_keeps_duplicate_notes():
    from transforms.findings import findings_frame, make_finding

    known = known_ledger([
        ("a", "x/a.xlsx", "accepted", "00001", "2021-Q3", date(2021, 10, 2), D1, D1,
         "accepted", None),
        ("r", "x/r.xlsx", "rejected", None, "2021-Q3", date(2021, 10, 9), D1, D1,
         "rejected", None),
        ("r", "y/r.xlsx", "duplicate", None, "2021-Q3", date(2021, 10, 9), D2, D2,
         "duplicate", None),
    ])
    known_findings = findings_frame([
        make_finding("F_WARD_UNKNOWN", file_hash="r", found="Phường Mới", candidates=""),
        make_finding("I_DUPLICATE", file_hash="r", found="x/r.xlsx", file_name="r.xlsx"),
    ])
    reread = ingested([("r", "xlsx", "accepted", "99999", "2021-Q3", date(2021, 10, 9))],
                      values=[("r", "giam_sat_cuoc", 7.0)])

    merged = merge_reread_files(known, values([("a", "giam_sat_cuoc", 3.0)]), known_findings,
                                ["r"], reread)

    assert sorted(merged.ledger.select("original_path", "status", "ward_code").rows()) == [
        ("x/a.xlsx", "accepted", "00001"), ("x/r.xlsx", "accepted", "99999"),
        ("y/r.xlsx", "duplicate", "99999")]
    assert merged.findings["finding_code"].to_list() == ["I_DUPLICATE"]
    assert merged.values.sort("file_hash").rows() == [
        ("a", "giam_sat_cuoc", 3.0), ("r", "giam_sat_cuoc", 7.0)]
    assert sorted(merged.added_files["original_path"]) == ["x/r.xlsx", "y/r.xlsx"]
    assert status_changes(known, merged.ledger) == 1
    # twice is the same as once
    again = merge_reread_files(merged.ledger, merged.values, merged.findings, ["r"], reread)
    assert_frame_equal(again.ledger, merged.ledger)
    assert_frame_equal(again.values.sort("file_hash"), merged.values.sort("file_hash"))
