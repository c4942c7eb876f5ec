"""Tests for transforms/cumulative.py: one test per row of the module's TABLE OF CASES."""

from datetime import datetime

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms.cumulative import derivation_formulas, derive_ward_values
from transforms.schema import FINDINGS, INDICATORS, WARD_VALUES

YEAR = "2021"
WARD = "00001"

INDICATORS_FRAME = pl.DataFrame(
    [
        ("s", "Cuộc giám sát", "cuộc", "sum", None, None, True, 1),
        ("k", "Tổng số hộ gia đình", "hộ", "stock", None, None, True, 2),
        ("n", "Số ca hỏa táng", "ca", "sum", None, None, True, 3),
        ("r", "Tỷ lệ hỏa táng", "%", "ratio", "n", "s", False, 4),
    ],
    schema=INDICATORS,
    orient="row",
)


def file_of(kind: str, ward: str = WARD) -> str:
    return f"{ward}-{YEAR}-{kind}"


def derive(reports: dict[str, float], indicator: str = "s", approximate: tuple[str, ...] = ()):
    """One ward's reports for one indicator: {kind: value}; the file of kind K is file_of(K)."""
    submissions = pl.DataFrame(
        {
            "file_hash": [file_of(kind) for kind in reports],
            "ward_code": [WARD] * len(reports),
            "period": [f"{YEAR}-{kind}" for kind in reports],
            "report_date": [None] * len(reports),
            "received_at": [datetime(2021, 10, 1)] * len(reports),
        },
        schema={
            "file_hash": pl.String,
            "ward_code": pl.String,
            "period": pl.String,
            "report_date": pl.Date,
            "received_at": pl.Datetime("us"),
        },
    )
    values = pl.DataFrame(
        {
            "file_hash": [file_of(kind) for kind in reports],
            "indicator_code": [indicator] * len(reports),
            "value": [float(v) for v in reports.values()],
            "is_approximate": [kind in approximate for kind in reports],
        }
    )
    return derive_ward_values(submissions, values, INDICATORS_FRAME)


def expected_values(rows: dict[str, tuple], indicator: str = "s") -> pl.DataFrame:
    """{kind: (value, is_derived, source kind or None[, is_approximate])} as WARD_VALUES."""
    records = []
    for kind, row in rows.items():
        value, derived, source = row[:3]
        approximate = row[3] if len(row) > 3 else False
        records.append(
            (
                WARD,
                f"{YEAR}-{kind}",
                indicator,
                float(value),
                approximate,
                derived,
                None if source is None else file_of(source),
            )
        )
    return pl.DataFrame(records, schema=WARD_VALUES, orient="row").sort(
        "ward_code", "period", "indicator_code"
    )


def finding_keys(findings: pl.DataFrame) -> list[tuple]:
    return sorted(findings.select("finding_code", "period", "file_hash").iter_rows())


D, R = True, False  # is_derived
ALL_QUARTERS = {"Q1": 1, "Q2": 2, "Q3": 3, "Q4": 4}

# (case id, reports, expected {kind: (value, is_derived, source)}, expected findings)
SUM_CASES = [
    (
        "A1_C2_C4_C9_C10_quarters_only",
        ALL_QUARTERS,
        {
            "Q1": (1, R, "Q1"),
            "Q2": (2, R, "Q2"),
            "Q3": (3, R, "Q3"),
            "Q4": (4, R, "Q4"),
            "H1": (3, D, None),
            "9M": (6, D, None),
            "Y": (10, D, None),
            "H2": (7, D, None),
        },
        [],
    ),
    (
        "A2_q2_is_h1_minus_q1_C7",
        {"Q1": 1, "H1": 5},
        {
            "Q1": (1, R, "Q1"),
            "Q2": (4, D, "H1"),
            "H1": (5, R, "H1"),
            "9M": (5, D, "H1"),
            "Y": (5, D, "H1"),
        },
        [],
    ),
    (
        "A2_q1_is_h1_minus_q2",
        {"Q2": 2, "H1": 3},
        {
            "Q1": (1, D, "H1"),
            "Q2": (2, R, "Q2"),
            "H1": (3, R, "H1"),
            "9M": (3, D, "H1"),
            "Y": (3, D, "H1"),
        },
        [],
    ),
    (
        "A2_q3_is_9m_minus_h1_C5_C12",
        {"H1": 5, "9M": 9},
        {
            "Q3": (4, D, "9M"),
            "H1": (5, R, "H1"),
            "9M": (9, R, "9M"),
            "Y": (9, D, "9M"),
            "H2": (4, D, "9M"),
        },
        [],
    ),
    (
        "A2_q3_is_9m_minus_q1_q2",
        {"Q1": 1, "Q2": 2, "9M": 6},
        {
            "Q1": (1, R, "Q1"),
            "Q2": (2, R, "Q2"),
            "Q3": (3, D, "9M"),
            "H1": (3, D, None),
            "9M": (6, R, "9M"),
            "Y": (6, D, "9M"),
            "H2": (3, D, "9M"),
        },
        [],
    ),
    (
        "A2_q2_is_9m_minus_q1_q3",
        {"Q1": 1, "Q3": 3, "9M": 6},
        {
            "Q1": (1, R, "Q1"),
            "Q2": (2, D, "9M"),
            "Q3": (3, R, "Q3"),
            "H1": (3, D, None),
            "9M": (6, R, "9M"),
            "Y": (6, D, "9M"),
            "H2": (3, D, "Q3"),
        },
        [],
    ),
    (
        "A2_q4_is_y_minus_9m",
        {"9M": 6, "Y": 10},
        {"Q4": (4, D, "Y"), "9M": (6, R, "9M"), "Y": (10, R, "Y"), "H2": (4, D, "Y")},
        [],
    ),
    (
        "A2_q4_is_y_minus_h1_q3",
        {"H1": 3, "Q3": 3, "Y": 10},
        {
            "Q3": (3, R, "Q3"),
            "Q4": (4, D, "Y"),
            "H1": (3, R, "H1"),
            "9M": (6, D, None),
            "Y": (10, R, "Y"),
            "H2": (7, D, None),
        },
        [],
    ),
    (
        "A2_q4_is_y_minus_q1_q2_q3",
        {"Q1": 1, "Q2": 2, "Q3": 3, "Y": 10},
        {
            "Q1": (1, R, "Q1"),
            "Q2": (2, R, "Q2"),
            "Q3": (3, R, "Q3"),
            "Q4": (4, D, "Y"),
            "H1": (3, D, None),
            "9M": (6, D, None),
            "Y": (10, R, "Y"),
            "H2": (7, D, None),
        },
        [],
    ),
    (
        "A2_q2_is_y_minus_q1_h2_C8",
        {"Q1": 1, "H2": 7, "Y": 10},
        {
            "Q1": (1, R, "Q1"),
            "Q2": (2, D, "Y"),
            "H1": (3, D, None),
            "9M": (3, D, None),
            "Y": (10, R, "Y"),
            "H2": (7, R, "H2"),
        },
        [],
    ),
    (
        "A2_q3_is_h2_minus_q4_C8",
        {"H2": 7, "Q4": 4},
        {
            "Q3": (3, D, "H2"),
            "Q4": (4, R, "Q4"),
            "9M": (3, D, "H2"),
            "Y": (7, D, "H2"),
            "H2": (7, R, "H2"),
        },
        [],
    ),
    (
        "A2_q4_is_h2_minus_q3",
        {"Q3": 3, "H2": 7},
        {
            "Q3": (3, R, "Q3"),
            "Q4": (4, D, "H2"),
            "9M": (3, D, "Q3"),
            "Y": (7, D, "H2"),
            "H2": (7, R, "H2"),
        },
        [],
    ),
    (
        "A3_negative_derivation_not_made",
        {"Q1": 5, "H1": 3},
        {"Q1": (5, R, "Q1"), "H1": (3, R, "H1"), "9M": (3, D, "H1"), "Y": (3, D, "H1")},
        [
            ("R_CUMULATIVE_BELOW_QUARTERS", "2021-H1", file_of("H1")),
            ("R_DERIVED_NEGATIVE", "2021-Q2", file_of("H1")),
        ],
    ),
    (
        "A4_C3_only_h1",
        {"H1": 5},
        {"H1": (5, R, "H1"), "9M": (5, D, "H1"), "Y": (5, D, "H1")},
        [],
    ),
    (
        "A4_9m_and_q1_cannot_split",
        {"Q1": 1, "9M": 6},
        {"Q1": (1, R, "Q1"), "H1": (1, D, "Q1"), "9M": (6, R, "9M"), "Y": (6, D, "9M")},
        [],
    ),
    (
        "C2_C4_C9_C12_partial_quarters",
        {"Q1": 1, "Q3": 3},
        {
            "Q1": (1, R, "Q1"),
            "Q3": (3, R, "Q3"),
            "H1": (1, D, "Q1"),
            "9M": (4, D, None),
            "Y": (4, D, None),
            "H2": (3, D, "Q3"),
        },
        [],
    ),
    (
        "C6_y_is_h1_plus_h2",
        {"H1": 3, "H2": 7},
        {"H1": (3, R, "H1"), "H2": (7, R, "H2"), "9M": (3, D, "H1"), "Y": (10, D, None)},
        [],
    ),
    (
        "C11_h2_is_y_minus_h1",
        {"H1": 3, "Y": 10},
        {"H1": (3, R, "H1"), "9M": (3, D, "H1"), "Y": (10, R, "Y"), "H2": (7, D, "Y")},
        [],
    ),
    (
        "C1_every_report_explicit",
        {**ALL_QUARTERS, "H1": 3, "H2": 7, "9M": 6, "Y": 10},
        {
            "Q1": (1, R, "Q1"),
            "Q2": (2, R, "Q2"),
            "Q3": (3, R, "Q3"),
            "Q4": (4, R, "Q4"),
            "H1": (3, R, "H1"),
            "9M": (6, R, "9M"),
            "Y": (10, R, "Y"),
            "H2": (7, R, "H2"),
        },
        [],
    ),
    (
        "E1_cumulative_disagrees_above",
        {"Q1": 1, "Q2": 2, "H1": 4},
        {
            "Q1": (1, R, "Q1"),
            "Q2": (2, R, "Q2"),
            "H1": (4, R, "H1"),
            "9M": (4, D, "H1"),
            "Y": (4, D, "H1"),
        },
        [("R_CUMULATIVE_DISAGREES", "2021-H1", file_of("H1"))],
    ),
    (
        "E1_E2_cumulative_below_quarters",
        {"Q1": 2, "Q2": 3, "H1": 4},
        {
            "Q1": (2, R, "Q1"),
            "Q2": (3, R, "Q2"),
            "H1": (4, R, "H1"),
            "9M": (4, D, "H1"),
            "Y": (4, D, "H1"),
        },
        [
            ("R_CUMULATIVE_BELOW_QUARTERS", "2021-H1", file_of("H1")),
            ("R_CUMULATIVE_DISAGREES", "2021-H1", file_of("H1")),
        ],
    ),
    (
        "E1_y_disagrees_with_9m_plus_q4",
        {"9M": 6, "Q4": 4, "Y": 11},
        {"Q4": (4, R, "Q4"), "9M": (6, R, "9M"), "Y": (11, R, "Y"), "H2": (4, D, "Q4")},
        [("R_CUMULATIVE_DISAGREES", "2021-Y", file_of("Y"))],
    ),
    (
        # 9M (6) is below Q1 + Q3 (9) even though Q2 is missing; Q2 = 6 − 5 − 4 is not made.
        "A3_E2_below_partial_quarters",
        {"Q1": 5, "Q3": 4, "9M": 6},
        {
            "Q1": (5, R, "Q1"),
            "Q3": (4, R, "Q3"),
            "H1": (5, D, "Q1"),
            "9M": (6, R, "9M"),
            "Y": (6, D, "9M"),
            "H2": (4, D, "Q3"),
        },
        [
            ("R_CUMULATIVE_BELOW_QUARTERS", "2021-9M", file_of("9M")),
            ("R_DERIVED_NEGATIVE", "2021-Q2", file_of("9M")),
        ],
    ),
]


@pytest.mark.parametrize(
    ("reports", "expected", "findings"),
    [case[1:] for case in SUM_CASES],
    ids=[case[0] for case in SUM_CASES],
)
def test_derive_ward_values_sum_cases(reports, expected, findings):
    values, found = derive(reports)

    assert_frame_equal(values, expected_values(expected))
    assert finding_keys(found) == findings


STOCK_CASES = [
    (
        "B1_D2_stock_quarters",
        {"Q1": 100, "Q2": 110, "Q3": 120, "Q4": 130},
        {
            "Q1": (100, R, "Q1"),
            "Q2": (110, R, "Q2"),
            "Q3": (120, R, "Q3"),
            "Q4": (130, R, "Q4"),
            "H1": (110, D, "Q2"),
            "9M": (120, D, "Q3"),
            "Y": (130, D, "Q4"),
            "H2": (130, D, "Q4"),
        },
        [],
    ),
    (
        "B2_stock_q2_from_h1_no_carry_forward",
        {"Q1": 100, "H1": 110},
        {"Q1": (100, R, "Q1"), "Q2": (110, D, "H1"), "H1": (110, R, "H1")},
        [],
    ),
    (
        "B2_stock_q3_from_9m",
        {"9M": 120},
        {"Q3": (120, D, "9M"), "9M": (120, R, "9M")},
        [],
    ),
    (
        "B2_D2_stock_q4_from_y",
        {"Y": 130},
        {"Q4": (130, D, "Y"), "Y": (130, R, "Y"), "H2": (130, D, "Y")},
        [],
    ),
    (
        "B2_D2_stock_q4_from_h2",
        {"H2": 130},
        {"Q4": (130, D, "H2"), "Y": (130, D, "H2"), "H2": (130, R, "H2")},
        [],
    ),
    (
        "B3_stock_older_quarter_not_carried",
        {"Q1": 100, "Q2": 110},
        {"Q1": (100, R, "Q1"), "Q2": (110, R, "Q2"), "H1": (110, D, "Q2")},
        [],
    ),
    (
        "D1_E3_stock_explicit_disagrees",
        {"Q2": 110, "H1": 111},
        {"Q2": (110, R, "Q2"), "H1": (111, R, "H1")},
        [("R_CUMULATIVE_STOCK_DISAGREES", "2021-H1", file_of("H1"))],
    ),
]


@pytest.mark.parametrize(
    ("reports", "expected", "findings"),
    [case[1:] for case in STOCK_CASES],
    ids=[case[0] for case in STOCK_CASES],
)
def test_derive_ward_values_stock_cases(reports, expected, findings):
    values, found = derive(reports, indicator="k")

    assert_frame_equal(values, expected_values(expected, indicator="k"))
    assert finding_keys(found) == findings


def test_derive_ward_values_F2_approximate_propagates():
    values, _ = derive({"Q1": 1, "H1": 5, "Q3": 3}, approximate=("H1",))

    assert_frame_equal(
        values,
        expected_values(
            {
                "Q1": (1, R, "Q1", False),
                "Q2": (4, D, "H1", True),
                "Q3": (3, R, "Q3", False),
                "H1": (5, R, "H1", True),
                "9M": (8, D, None, True),
                "Y": (8, D, None, True),
                "H2": (3, D, "Q3", False),
            }
        ),
    )


def test_derive_ward_values_F4_rounds_float_noise():
    values, found = derive({"Q1": 0.1, "Q2": 0.2, "Q3": 0.3})

    h1 = values.filter(pl.col("period") == "2021-H1")["value"].item()
    assert h1 == 0.3
    assert found.is_empty()


def test_derive_ward_values_F1_ratio_ignored_one_finding_per_file():
    submissions = pl.DataFrame(
        {
            "file_hash": ["f1"],
            "ward_code": [WARD],
            "period": ["2021-Q1"],
            "report_date": [None],
            "received_at": [datetime(2021, 4, 2)],
        },
        schema_overrides={"report_date": pl.Date},
    )
    values = pl.DataFrame(
        {
            "file_hash": ["f1", "f1", "f1"],
            "indicator_code": ["s", "n", "r"],
            "value": [4.0, 1.0, 25.0],
            "is_approximate": [False, False, False],
        }
    )

    ward_values, findings = derive_ward_values(submissions, values, INDICATORS_FRAME)

    assert sorted(ward_values["indicator_code"].to_list()) == ["n"] * 4 + ["s"] * 4
    assert findings.select("file_hash", "finding_code", "indicator_code", "found_text").rows() == [
        ("f1", "I_RATIO_IGNORED", "r", "r = 25")
    ]
    assert findings.schema == pl.Schema(FINDINGS)


def test_derive_ward_values_F5_unknown_indicator_and_orphan_values_dropped():
    submissions = pl.DataFrame(
        {
            "file_hash": ["f1"],
            "ward_code": [WARD],
            "period": ["2021-Q1"],
            "report_date": [None],
            "received_at": [datetime(2021, 4, 2)],
        },
        schema_overrides={"report_date": pl.Date},
    )
    values = pl.DataFrame(
        {
            "file_hash": ["f1", "f1", "ghost"],
            "indicator_code": ["s", "zzz", "s"],
            "value": [4.0, 1.0, 9.0],
            "is_approximate": [False, False, False],
        }
    )

    ward_values, _ = derive_ward_values(submissions, values, INDICATORS_FRAME)

    assert ward_values.select("period", "value").rows() == [
        ("2021-9M", 4.0),
        ("2021-H1", 4.0),
        ("2021-Q1", 4.0),
        ("2021-Y", 4.0),
    ]


def test_derive_ward_values_F5_two_submissions_for_one_period_raise():
    submissions = pl.DataFrame(
        {
            "file_hash": ["f1", "f2"],
            "ward_code": [WARD, WARD],
            "period": ["2021-Q1", "2021-Q1"],
            "report_date": [None, None],
            "received_at": [datetime(2021, 4, 2)] * 2,
        },
        schema_overrides={"report_date": pl.Date},
    )
    values = pl.DataFrame(
        {"file_hash": ["f1"], "indicator_code": ["s"], "value": [1.0], "is_approximate": [False]}
    )

    with pytest.raises(ValueError, match="several submissions for ward 00001 and period 2021-Q1"):
        derive_ward_values(submissions, values, INDICATORS_FRAME)


def test_derive_ward_values_blank_is_not_zero_per_indicator():
    # The H1 file left `n` blank: for `n` the ward has only Q1, so Q2 cannot be derived.
    submissions = pl.DataFrame(
        {
            "file_hash": ["q1", "h1"],
            "ward_code": [WARD, WARD],
            "period": ["2021-Q1", "2021-H1"],
            "report_date": [None, None],
            "received_at": [datetime(2021, 7, 2)] * 2,
        },
        schema_overrides={"report_date": pl.Date},
    )
    values = pl.DataFrame(
        {
            "file_hash": ["q1", "q1", "h1"],
            "indicator_code": ["s", "n", "s"],
            "value": [1.0, 2.0, 5.0],
            "is_approximate": [False, False, False],
        }
    )

    ward_values, _ = derive_ward_values(submissions, values, INDICATORS_FRAME)

    n_periods = ward_values.filter(pl.col("indicator_code") == "n")["period"].to_list()
    assert n_periods == ["2021-9M", "2021-H1", "2021-Q1", "2021-Y"]  # partial sums of Q1 only
    assert "2021-Q2" in ward_values.filter(pl.col("indicator_code") == "s")["period"].to_list()


def test_derive_ward_values_derived_negative_message():
    _, found = derive({"Q1": 5, "H1": 3})

    negative = found.filter(pl.col("finding_code") == "R_DERIVED_NEGATIVE").row(0, named=True)
    assert negative["message_vi"] == (
        "Không suy ra được quý 2021-Q2: số lũy kế (3) nhỏ hơn các quý trước (5)."
    )
    assert negative["severity"] == "warning"
    assert negative["found_text"] == "H1 − Q1"
    assert negative["ward_code"] == WARD and negative["indicator_code"] == "s"


def test_derive_ward_values_several_wards_and_years_are_independent():
    submissions = pl.DataFrame(
        {
            "file_hash": ["a", "b", "c"],
            "ward_code": ["00001", "00002", "00001"],
            "period": ["2021-Q1", "2021-H1", "2022-H1"],
            "report_date": [None] * 3,
            "received_at": [datetime(2022, 7, 2)] * 3,
        },
        schema_overrides={"report_date": pl.Date},
    )
    values = pl.DataFrame(
        {
            "file_hash": ["a", "b", "c"],
            "indicator_code": ["s"] * 3,
            "value": [1.0, 5.0, 7.0],
            "is_approximate": [False] * 3,
        }
    )

    ward_values, _ = derive_ward_values(submissions, values, INDICATORS_FRAME)

    # No Q2 anywhere: 00001's Q1 is 2021, its H1 is 2022; 00002 has no Q1.
    assert not ward_values.filter(pl.col("period").str.ends_with("Q2")).height
    assert ward_values.filter(pl.col("period") == "2021-H1").select(
        "ward_code", "value"
    ).rows() == [("00001", 1.0), ("00002", 5.0)]


@pytest.mark.parametrize(
    ("quarter", "first"),
    [
        ("Q1", ("H1", ("Q2",))),
        ("Q2", ("H1", ("Q1",))),
        ("Q3", ("9M", ("H1",))),
        ("Q4", ("Y", ("9M",))),
    ],
)
def test_derivation_formulas_closest_cumulative_first(quarter, first):
    assert derivation_formulas(quarter)[0] == first


def test_derive_ward_values_schema_of_empty_input():
    submissions = pl.DataFrame(
        schema={
            "file_hash": pl.String,
            "ward_code": pl.String,
            "period": pl.String,
            "report_date": pl.Date,
            "received_at": pl.Datetime("us"),
        }
    )
    values = pl.DataFrame(
        schema={
            "file_hash": pl.String,
            "indicator_code": pl.String,
            "value": pl.Float64,
            "is_approximate": pl.Boolean,
        }
    )

    ward_values, findings = derive_ward_values(submissions, values, INDICATORS_FRAME)

    assert ward_values.schema == pl.Schema(WARD_VALUES) and ward_values.is_empty()
    assert findings.schema == pl.Schema(FINDINGS) and findings.is_empty()


def test_derive_ward_values_F5_indicator_twice_in_a_file_raises():
    submissions = pl.DataFrame(
        {
            "file_hash": ["f1"],
            "ward_code": [WARD],
            "period": ["2021-Q1"],
            "report_date": [None],
            "received_at": [datetime(2021, 4, 2)],
        },
        schema_overrides={"report_date": pl.Date},
    )
    values = pl.DataFrame(
        {
            "file_hash": ["f1", "f1"],
            "indicator_code": ["s", "s"],
            "value": [1.0, 2.0],
            "is_approximate": [False, False],
        }
    )

    with pytest.raises(ValueError, match="indicator s appears twice in file f1"):
        derive_ward_values(submissions, values, INDICATORS_FRAME)
