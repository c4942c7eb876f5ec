"""A ward code reused by another ward after a reorganisation never mixes the two histories."""

from datetime import date, datetime

import polars as pl

from transforms.cumulative import derive_ward_values
from transforms.eras import key_by_unit_version, restore_ward_codes
from transforms.schema import INDICATORS, UNITS

REFORM = date(2025, 7, 1)
UNITS_FRAME = pl.DataFrame(
    [
        ("00004", "Phường Trúc Bạch", "ward", "001", "01", date(2020, 1, 1), date(2025, 6, 30)),
        ("00004", "Phường Ba Đình", "ward", "01", "01", REFORM, None),
        ("00007", "Phường Điện Biên", "ward", "001", "01", date(2020, 1, 1), date(2025, 6, 30)),
    ],
    schema=UNITS, orient="row",
)
INDICATORS_FRAME = pl.DataFrame(
    [("giam_sat_cuoc", "Cuộc giám sát", "cuộc", "sum", None, None, True, 1)],
    schema=INDICATORS, orient="row",
)


def derive(rows: list[tuple[str, str, str, float]]) -> pl.DataFrame:
    """(file, ward, period, value) reports -> ward values with plain codes, like build_outputs."""
    submissions = pl.DataFrame(
        [(f, w, p, None, datetime(2025, 12, 1)) for f, w, p, _ in rows],
        schema={"file_hash": pl.String, "ward_code": pl.String, "period": pl.String,
                "report_date": pl.Date, "received_at": pl.Datetime("us")}, orient="row")
    values = pl.DataFrame(
        [(f, "giam_sat_cuoc", v, False) for f, _, _, v in rows],
        schema={"file_hash": pl.String, "indicator_code": pl.String, "value": pl.Float64,
                "is_approximate": pl.Boolean}, orient="row")
    ward_values, _ = derive_ward_values(key_by_unit_version(submissions, UNITS_FRAME), values,
                                        INDICATORS_FRAME)
    return restore_ward_codes(ward_values, UNITS_FRAME)


def by_period(frame: pl.DataFrame, ward: str) -> dict[str, float]:
    rows = frame.filter(pl.col("ward_code") == ward).select("period", "value").rows()
    return dict(rows)


def test_key_by_unit_version_reused_code_gets_the_version_of_its_period():
    submissions = pl.DataFrame({"ward_code": ["00004", "00004", "00099"],
                                "period": ["2025-Q2", "2025-Q3", "2025-Q3"]})
    keyed = key_by_unit_version(submissions, UNITS_FRAME)
    assert keyed["ward_code"].to_list() == ["00004@2020-01-01", "00004@2025-07-01", "00099"]


def test_derive_across_reform_never_adds_the_old_wards_quarters_to_the_new_ward():
    values = derive([("q1", "00004", "2025-Q1", 1), ("q2", "00004", "2025-Q2", 2),
                     ("q3", "00004", "2025-Q3", 30), ("q4", "00004", "2025-Q4", 40)])
    assert by_period(values, "00004") == {
        "2025-Q1": 1, "2025-Q2": 2, "2025-H1": 3,  # the old ward, up to its last day
        "2025-Q3": 30, "2025-Q4": 40, "2025-H2": 70,  # the new ward from its first day
        "2025-9M": 30, "2025-Y": 70,  # the new ward's quarters only (old Q1+Q2 not mixed in)
    }


def test_derive_within_one_version_is_unchanged():
    values = derive([("q1", "00007", "2021-Q1", 1), ("h1", "00007", "2021-H1", 5)])
    assert by_period(values, "00007") == {"2021-Q1": 1, "2021-Q2": 4, "2021-H1": 5,
                                          "2021-9M": 5, "2021-Y": 5}
