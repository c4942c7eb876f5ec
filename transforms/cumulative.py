"""Ward values per period from quarterly and cumulative reports (SPEC §5, "Cumulative reports").

Grain of the output (WARD_VALUES): one row per ward, period and indicator that has a value.
For every ward with any submission in a year, every period of that year (Q1..Q4, H1, H2, 9M, Y)
that can be made is made. Everything below is per ward, year and indicator: a blank cell is
"not reported" (SPEC: blank is not zero), so a file that left an indicator blank counts, for
that indicator, as if it had not been sent. Notation: Qn, H1, H2, 9M, Y = the value the ward
reported in its file for that period ("explicit"); qn = the ward's quarter value after
derivation (reported or derived).

TABLE OF CASES
==============

A. Quarters, `sum` indicators
-----------------------------
A1  Qn reported                    -> qn = Qn as reported (is_derived false).
A2  Qn missing, a cumulative report C covering Qn was sent, and the rest of C (C minus Qn) is
    covered exactly by other explicit reports
                                   -> qn = C − Σ(those reports), is_derived true,
                                      file_hash = C's file. The formulas, in the order tried
                                      (the first whose reports are all present decides):
      q1: H1−Q2 | 9M−Q2−Q3 | Y−Q2−H2 | Y−Q2−Q3−Q4
      q2: H1−Q1 | 9M−Q1−Q3 | Y−Q1−H2 | Y−Q1−Q3−Q4
      q3: 9M−H1 | 9M−Q1−Q2 | Y−H1−Q4 | Y−Q1−Q2−Q4 | H2−Q4
      q4: Y−9M  | Y−H1−Q3  | Y−Q1−Q2−Q3 | H2−Q3
    (cumulative-from-January reports first, shortest first; H2 last; fewest terms first).
    Only explicit reports enter a formula, never another derived quarter.
A3  as A2 but C − Σ < 0            -> qn not made; finding R_DERIVED_NEGATIVE (lhs = C,
                                      rhs = Σ). The next formula is not tried: the reports
                                      contradict each other and the operator must look.
A4  Qn missing, no formula applies (e.g. only H1 sent: q1 and q2 unknown; 9M and Q1: q2, q3
    unknown)                       -> no value.

B. Quarters, `stock` indicators (a level at a date, e.g. households)
---------------------------------------------------------------------
B1  Qn reported                    -> qn = Qn.
B2  Qn missing and a cumulative report ends at Qn's end
                                   -> qn = that report's value (q2 <- H1, q3 <- 9M,
                                      q4 <- Y, else H2), is_derived true, its file.
B3  otherwise (q1 missing; q2 missing without H1; ...) -> no value (no carrying forward).

C. Cumulative periods, `sum` indicators (is_derived false only for C1)
----------------------------------------------------------------------
C1  the period was reported explicitly          -> that value, even when it disagrees with
                                                   the other reports (see E).
H1  C2  otherwise                               -> q1 + q2 (those present; partial when one is
                                                   missing, no value when both are).
9M  C3  H1 explicit                             -> H1 + q3 (q3 when present).
    C4  otherwise                               -> q1 + q2 + q3 (those present).
Y   C5  9M explicit                             -> 9M + q4 (q4 when present).
    C6  H1 and H2 explicit                      -> H1 + H2.
    C7  H1 explicit                             -> H1 + q3 + q4 (those present).
    C8  H2 explicit                             -> q1 + q2 (those present) + H2.
    C9  otherwise                               -> q1 + q2 + q3 + q4 (those present).
H2  C10 q3 and q4 both present                  -> q3 + q4.
    C11 Y and H1 explicit, Y ≥ H1               -> Y − H1 (file_hash = Y's file).
    C12 otherwise                               -> q3 + q4 (the one present, else none).

D. Cumulative periods, `stock` indicators: the value at the period's end
------------------------------------------------------------------------
D1  the period was reported explicitly          -> that value.
D2  otherwise                                   -> the end quarter's value (H1 <- q2,
                                                   9M <- q3, Y and H2 <- q4), else no value.

E. Findings on explicit cumulative reports (values are never changed)
---------------------------------------------------------------------
E1  sum: C is compared with what it would be without it, from explicit reports only:
    H1 = Q1+Q2; H2 = Q3+Q4; 9M = H1+Q3, else Q1+Q2+Q3; Y = 9M+Q4, else H1+H2, else
    H1+Q3+Q4, else Q1+Q2+H2, else Q1+Q2+Q3+Q4. All parts present and C differs
    -> R_CUMULATIVE_DISAGREES (info).
E2  sum: C below the sum of the parts that are present (even some) -> R_CUMULATIVE_BELOW_QUARTERS
    (warning), in addition to E1 when all parts are present.
E3  stock: C differs from the explicit end quarter -> R_CUMULATIVE_STOCK_DISAGREES (info).

F. Other
--------
F1  ratio indicators are dropped (they are recomputed at every level); one I_RATIO_IGNORED
    finding per file that carried any, its codes and values in found_text.
F2  is_approximate is true when any value a figure is made of is approximate.
F3  file_hash: the report's own file for A1/B1/C1/D1; the cumulative report's file for
    A2/B2/C11; for sums of several reports, the file when they all come from one file, else null.
F4  figures computed by subtraction or addition are rounded to 6 decimals (no 0.30000000000000004);
    differences within a relative 1e-9 are not disagreements.
F5  values whose indicator is not in the catalog or whose file is not in `submissions` are
    dropped (upstream reports them); two submissions for one ward and period, or one indicator
    twice in a file, raise ValueError (supersession and parsing resolve those upstream).
"""

import polars as pl

from transforms.periods import QUARTERS_OF_KIND
from transforms.rules import REL_TOLERANCE, findings_from_frame, vn_number
from transforms.schema import FINDINGS, WARD_VALUES

KINDS = ("Q1", "Q2", "Q3", "Q4", "H1", "H2", "9M", "Y")
QUARTER_KINDS = ("Q1", "Q2", "Q3", "Q4")
# Cumulative reports a missing quarter may be derived from, in the order tried.
DERIVE_FROM = ("H1", "9M", "Y", "H2")
# The cumulative report whose end is each quarter's end (stock values), in the order tried.
STOCK_FROM = {"Q2": ("H1",), "Q3": ("9M",), "Q4": ("Y", "H2")}
DECIMALS = 6
INDEX = ["ward_code", "year", "indicator_code"]


def exact_covers(quarters: frozenset[int], exclude: str) -> list[tuple[str, ...]]:
    """Every way to cover `quarters` exactly with disjoint report kinds other than `exclude`."""
    if not quarters:
        return [()]
    first = min(quarters)
    covers = []
    for kind in KINDS:
        covered = frozenset(QUARTERS_OF_KIND[kind])
        if kind != exclude and first in covered and covered <= quarters:
            covers += [(kind, *rest) for rest in exact_covers(quarters - covered, exclude)]
    return covers


def derivation_formulas(quarter: str) -> list[tuple[str, tuple[str, ...]]]:
    """(cumulative kind C, kinds subtracted) for a missing sum quarter, in the order tried."""
    number = int(quarter[1])
    formulas = []
    for cumulative in DERIVE_FROM:
        covered = frozenset(QUARTERS_OF_KIND[cumulative])
        if number in covered:
            covers = exact_covers(covered - {number}, exclude=cumulative)
            formulas += [(cumulative, cover) for cover in sorted(covers, key=len)]
    return formulas


# --- column names of the wide frame: one row per ward, year and indicator -------------------
def _v(kind: str) -> pl.Expr:  # explicit reported value
    return pl.col(f"v_{kind}")


def _a(kind: str) -> pl.Expr:
    return pl.col(f"a_{kind}").fill_null(False)


def _h(kind: str) -> pl.Expr:
    return pl.col(f"h_{kind}")


def _f(kind: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:  # final quarter (reported or derived)
    return pl.col(f"fv_{kind}"), pl.col(f"fa_{kind}"), pl.col(f"fh_{kind}")


def _explicit(kind: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    return _v(kind), _a(kind), _h(kind)


def _present(*kinds: str) -> pl.Expr:
    return pl.all_horizontal([_v(kind).is_not_null() for kind in kinds])


def _combine(*parts: tuple[pl.Expr, pl.Expr, pl.Expr]) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Sum of the parts present (null if none): value, approximate if any, the one file or null."""
    values = [value for value, _, _ in parts]
    if len(parts) == 1:
        return parts[0]
    anything = pl.any_horizontal([value.is_not_null() for value in values])
    total = pl.when(anything).then(pl.sum_horizontal(values).round(DECIMALS))
    approx = pl.any_horizontal([value.is_not_null() & a.fill_null(False) for value, a, _ in parts])
    first = pl.coalesce([pl.when(value.is_not_null()).then(h) for value, _, h in parts])
    same = pl.all_horizontal(
        [value.is_null() | (h == first).fill_null(False) for value, _, h in parts]
    )
    return total, approx, pl.when(same).then(first)


def _choose(options: list[tuple[pl.Expr, tuple[pl.Expr, ...]]]) -> tuple[pl.Expr, ...]:
    """The first option whose condition holds (the last option should have condition True),
    one when/then chain per position of the option tuples."""
    picked = []
    for position in range(len(options[0][1])):
        chain_expr = pl.when(options[0][0]).then(options[0][1][position])
        for condition, values in options[1:]:
            chain_expr = chain_expr.when(condition).then(values[position])
        picked.append(chain_expr)
    return tuple(picked)


def _wide(long: pl.DataFrame) -> pl.DataFrame:
    """One row per ward, year, indicator with v_/a_/h_ columns for every report kind."""
    wide = long.pivot(on="kind", index=INDEX, values=["v", "a", "h"])
    missing = [
        pl.lit(None, dtype).alias(f"{prefix}_{kind}")
        for kind in KINDS
        for prefix, dtype in (("v", pl.Float64), ("a", pl.Boolean), ("h", pl.String))
        if f"{prefix}_{kind}" not in wide.columns
    ]
    return wide.with_columns(missing) if missing else wide


def _sum_quarters(wide: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Final quarters of sum indicators (cases A) and the R_DERIVED_NEGATIVE findings."""
    columns, negatives = [], []
    for quarter in QUARTER_KINDS:
        formulas = derivation_formulas(quarter)
        conditions = [_present(cumulative, *parts) for cumulative, parts in formulas]
        lhs = pl.when(conditions[0]).then(_v(formulas[0][0]))
        rhs = pl.when(conditions[0]).then(pl.sum_horizontal([_v(k) for k in formulas[0][1]]))
        approx = pl.when(conditions[0]).then(
            pl.any_horizontal([_a(k) for k in (formulas[0][0], *formulas[0][1])])
        )
        source = pl.when(conditions[0]).then(_h(formulas[0][0]))
        text = pl.when(conditions[0]).then(pl.lit(_formula_text(formulas[0])))
        for condition, (cumulative, parts) in zip(conditions[1:], formulas[1:], strict=True):
            lhs = lhs.when(condition).then(_v(cumulative))
            rhs = rhs.when(condition).then(pl.sum_horizontal([_v(k) for k in parts]))
            approx = approx.when(condition).then(
                pl.any_horizontal([_a(k) for k in (cumulative, *parts)])
            )
            source = source.when(condition).then(_h(cumulative))
            text = text.when(condition).then(pl.lit(_formula_text((cumulative, parts))))
        columns += [
            lhs.alias(f"lhs_{quarter}"),
            rhs.alias(f"rhs_{quarter}"),
            approx.alias(f"da_{quarter}"),
            source.alias(f"dh_{quarter}"),
            text.alias(f"dt_{quarter}"),
        ]
    staged = wide.with_columns(columns)
    finals = []
    for quarter in QUARTER_KINDS:
        reported = _v(quarter).is_not_null()
        derived = (pl.col(f"lhs_{quarter}") - pl.col(f"rhs_{quarter}")).round(DECIMALS)
        made = ~reported & (derived >= 0)
        finals += [
            pl.when(reported).then(_v(quarter)).when(made).then(derived).alias(f"fv_{quarter}"),
            pl.when(reported)
            .then(_a(quarter))
            .otherwise(pl.col(f"da_{quarter}").fill_null(False))
            .alias(f"fa_{quarter}"),
            pl.when(reported)
            .then(_h(quarter))
            .when(made)
            .then(pl.col(f"dh_{quarter}"))
            .alias(f"fh_{quarter}"),
            pl.when(reported).then(False).when(made).then(True).alias(f"fd_{quarter}"),
        ]
        negatives.append(
            staged.filter(~reported & (derived < 0)).select(
                "ward_code",
                pl.concat_str(pl.col("year"), pl.lit(f"-{quarter}")).alias("period"),
                "indicator_code",
                pl.col(f"dh_{quarter}").alias("file_hash"),
                pl.col(f"lhs_{quarter}").alias("lhs"),
                pl.col(f"rhs_{quarter}").alias("rhs"),
                pl.col(f"dt_{quarter}").alias("found_text"),
            )
        )
    scratch = [f"{p}_{q}" for q in QUARTER_KINDS for p in ("lhs", "rhs", "da", "dh", "dt")]
    return staged.with_columns(finals).drop(scratch), pl.concat(negatives)


def _formula_text(formula: tuple[str, tuple[str, ...]]) -> str:
    cumulative, parts = formula
    return " − ".join((cumulative, *parts))


def _stock_quarters(wide: pl.DataFrame) -> pl.DataFrame:
    """Final quarters of stock indicators (cases B)."""
    finals = []
    for quarter in QUARTER_KINDS:
        sources = STOCK_FROM.get(quarter, ())
        options = [(_v(quarter).is_not_null(), (*_explicit(quarter), pl.lit(False)))]
        options += [(_v(kind).is_not_null(), (*_explicit(kind), pl.lit(True))) for kind in sources]
        picked = _choose(options)
        finals += [
            picked[0].alias(f"fv_{quarter}"),
            picked[1].fill_null(False).alias(f"fa_{quarter}"),
            picked[2].alias(f"fh_{quarter}"),
            picked[3].alias(f"fd_{quarter}"),
        ]
    return wide.with_columns(finals)


def _sum_cumulatives() -> dict[str, tuple[pl.Expr, pl.Expr, pl.Expr]]:
    """Cumulative periods of sum indicators (cases C), explicit report first."""
    q1, q2, q3, q4 = (_f(q) for q in QUARTER_KINDS)
    always = pl.lit(True)
    h2_from_year = (
        (_v("Y") - _v("H1")).round(DECIMALS),
        _a("Y") | _a("H1"),
        _h("Y"),
    )
    return {
        "H1": _choose([(_present("H1"), _explicit("H1")), (always, _combine(q1, q2))]),
        "H2": _choose(
            [
                (_present("H2"), _explicit("H2")),
                (q3[0].is_not_null() & q4[0].is_not_null(), _combine(q3, q4)),
                (_present("Y", "H1") & (_v("Y") >= _v("H1")), h2_from_year),
                (always, _combine(q3, q4)),
            ]
        ),
        "9M": _choose(
            [
                (_present("9M"), _explicit("9M")),
                (_present("H1"), _combine(_explicit("H1"), q3)),
                (always, _combine(q1, q2, q3)),
            ]
        ),
        "Y": _choose(
            [
                (_present("Y"), _explicit("Y")),
                (_present("9M"), _combine(_explicit("9M"), q4)),
                (_present("H1", "H2"), _combine(_explicit("H1"), _explicit("H2"))),
                (_present("H1"), _combine(_explicit("H1"), q3, q4)),
                (_present("H2"), _combine(q1, q2, _explicit("H2"))),
                (always, _combine(q1, q2, q3, q4)),
            ]
        ),
    }


def _stock_cumulatives() -> dict[str, tuple[pl.Expr, pl.Expr, pl.Expr]]:
    """Cumulative periods of stock indicators (cases D): the value at the period's end."""
    end_quarter = {"H1": "Q2", "H2": "Q4", "9M": "Q3", "Y": "Q4"}
    return {
        kind: _choose([(_present(kind), _explicit(kind)), (pl.lit(True), _f(quarter))])
        for kind, quarter in end_quarter.items()
    }


def _long_values(wide: pl.DataFrame, cumulatives: dict) -> pl.LazyFrame:
    """The wide frame's eight periods as WARD_VALUES rows (those with a value), as one lazy
    query: Polars then computes the eight selections in parallel."""
    parts = []
    for quarter in QUARTER_KINDS:
        value, approx, source = _f(quarter)
        parts.append((quarter, value, approx, pl.col(f"fd_{quarter}"), source))
    for kind, (value, approx, source) in cumulatives.items():
        parts.append((kind, value, approx, _v(kind).is_null(), source))
    frames = [
        wide.lazy()
        .select(
            "ward_code",
            pl.concat_str(pl.col("year"), pl.lit(f"-{kind}")).alias("period"),
            "indicator_code",
            value.alias("value"),
            approx.fill_null(False).alias("is_approximate"),
            derived.alias("is_derived"),
            source.alias("file_hash"),
        )
        .filter(pl.col("value").is_not_null())
        for kind, value, approx, derived, source in parts
    ]
    return pl.concat(frames)


def _differs(lhs: pl.Expr, rhs: pl.Expr) -> pl.Expr:
    return (lhs - rhs).abs() > REL_TOLERANCE * pl.max_horizontal(lhs.abs(), rhs.abs(), pl.lit(1.0))


def _sum_checks(wide: pl.DataFrame) -> pl.DataFrame:
    """Cases E1/E2 for explicit cumulative reports of sum indicators."""
    alternatives = {
        "H1": [(pl.lit(True), ("Q1", "Q2"))],
        "H2": [(pl.lit(True), ("Q3", "Q4"))],
        "9M": [(_present("H1"), ("H1", "Q3")), (pl.lit(True), ("Q1", "Q2", "Q3"))],
        "Y": [
            (_present("9M"), ("9M", "Q4")),
            (_present("H1", "H2"), ("H1", "H2")),
            (_present("H1"), ("H1", "Q3", "Q4")),
            (_present("H2"), ("Q1", "Q2", "H2")),
            (pl.lit(True), ("Q1", "Q2", "Q3", "Q4")),
        ],
    }
    frames = []
    for kind, options in alternatives.items():
        total = complete = found = None
        for condition, parts in options:
            part_total = pl.when(pl.any_horizontal([_v(p).is_not_null() for p in parts])).then(
                pl.sum_horizontal([_v(p) for p in parts]).round(DECIMALS)
            )
            part_complete = _present(*parts)
            part_text = pl.lit(" + ".join(parts))
            if total is None:
                total = pl.when(condition).then(part_total)
                complete = pl.when(condition).then(part_complete)
                found = pl.when(condition).then(part_text)
            else:
                total = total.when(condition).then(part_total)
                complete = complete.when(condition).then(part_complete)
                found = found.when(condition).then(part_text)
        frames.append(
            wide.filter(_present(kind)).select(
                "ward_code",
                pl.concat_str(pl.col("year"), pl.lit(f"-{kind}")).alias("period"),
                "indicator_code",
                _h(kind).alias("file_hash"),
                _v(kind).alias("lhs"),
                total.alias("rhs"),
                complete.alias("complete"),
                found.alias("found_text"),
            )
        )
    checks = pl.concat(frames).filter(pl.col("rhs").is_not_null())
    disagrees = checks.filter(pl.col("complete") & _differs(pl.col("lhs"), pl.col("rhs")))
    below = checks.filter((pl.col("rhs") > pl.col("lhs")) & _differs(pl.col("lhs"), pl.col("rhs")))
    return pl.concat(
        [
            _value_findings(disagrees, "R_CUMULATIVE_DISAGREES"),
            _value_findings(below, "R_CUMULATIVE_BELOW_QUARTERS"),
        ]
    )


def _stock_checks(wide: pl.DataFrame) -> pl.DataFrame:
    """Case E3 for explicit cumulative reports of stock indicators."""
    end_quarter = {"H1": "Q2", "H2": "Q4", "9M": "Q3", "Y": "Q4"}
    frames = [
        wide.filter(_present(kind, quarter) & _differs(_v(kind), _v(quarter))).select(
            "ward_code",
            pl.concat_str(pl.col("year"), pl.lit(f"-{kind}")).alias("period"),
            "indicator_code",
            _h(kind).alias("file_hash"),
            _v(kind).alias("lhs"),
            _v(quarter).alias("rhs"),
            pl.lit(quarter).alias("found_text"),
        )
        for kind, quarter in end_quarter.items()
    ]
    return _value_findings(pl.concat(frames), "R_CUMULATIVE_STOCK_DISAGREES")


def _value_findings(frame: pl.DataFrame, code: str) -> pl.DataFrame:
    return findings_from_frame(
        frame,
        code,
        fields={
            "period": pl.col("period"),
            "lhs": vn_number(pl.col("lhs")),
            "rhs": vn_number(pl.col("rhs")),
        },
    )


def _ratio_findings(ratios: pl.DataFrame) -> pl.DataFrame:
    """F1: one I_RATIO_IGNORED per file that carried a ratio."""
    per_file = (
        ratios.sort("indicator_code")
        .group_by("file_hash", "ward_code", "period")
        .agg(
            pl.concat_str(pl.col("indicator_code"), pl.lit(" = "), vn_number(pl.col("value")))
            .str.join("; ")
            .alias("found_text"),
            pl.when(pl.len() == 1).then(pl.col("indicator_code").first()).alias("indicator_code"),
        )
    )
    return findings_from_frame(per_file, "I_RATIO_IGNORED")


def derive_ward_values(
    submissions: pl.DataFrame, values: pl.DataFrame, indicators: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The figure that counts per ward, period and indicator, and the findings made on the way.

    Returns (WARD_VALUES frame, FINDINGS frame); see the module docstring for every case.
    Ward values are sorted by period, ward_code and indicator_code (the order build_outputs
    publishes them in), findings by ward_code, period, indicator_code and finding_code.

    Args:
        submissions: one row per winning file: file_hash, ward_code, period, report_date,
            received_at. At most one per ward and period.
        values: one row per clean value: file_hash, indicator_code, value, is_approximate.
        indicators: the INDICATORS catalog (its `aggregation` decides sum / stock / ratio).
    """
    duplicated = submissions.select("ward_code", "period").is_duplicated()
    if duplicated.any():
        first = submissions.filter(duplicated).row(0, named=True)
        raise ValueError(
            f"several submissions for ward {first['ward_code']} and period {first['period']}: "
            "supersession must be resolved before derive_ward_values"
        )
    repeated = values.select("file_hash", "indicator_code").is_duplicated()
    if repeated.any():
        first = values.filter(repeated).row(0, named=True)
        raise ValueError(
            f"indicator {first['indicator_code']} appears twice in file {first['file_hash']}: "
            "the parser keeps only the first (V_DUPLICATE_INDICATOR)"
        )
    joined = values.join(
        submissions.select("file_hash", "ward_code", "period"), on="file_hash", how="inner"
    ).join(indicators.select("indicator_code", "aggregation"), on="indicator_code", how="inner")

    ratio_findings = _ratio_findings(joined.filter(pl.col("aggregation") == "ratio"))
    long = joined.filter(pl.col("aggregation") != "ratio").select(
        "ward_code",
        pl.col("period").str.slice(0, 4).alias("year"),
        pl.col("period").str.slice(5).alias("kind"),
        "indicator_code",
        "aggregation",
        pl.col("value").alias("v"),
        pl.col("is_approximate").fill_null(False).alias("a"),
        pl.col("file_hash").alias("h"),
    )
    wide = _wide(long.drop("aggregation")).join(
        indicators.select("indicator_code", "aggregation"), on="indicator_code", how="left"
    )
    sums, negatives = _sum_quarters(wide.filter(pl.col("aggregation") == "sum"))
    stocks = _stock_quarters(wide.filter(pl.col("aggregation") == "stock"))

    ward_values = (
        pl.concat(
            [_long_values(sums, _sum_cumulatives()), _long_values(stocks, _stock_cumulatives())]
        )
        .select([pl.col(column).cast(dtype) for column, dtype in WARD_VALUES.items()])
        .sort("period", "ward_code", "indicator_code")
        .collect()
    )
    findings = pl.concat(
        [
            ratio_findings,
            _value_findings(negatives, "R_DERIVED_NEGATIVE"),
            _sum_checks(sums),
            _stock_checks(stocks),
        ]
    ).select(list(FINDINGS))
    findings = findings.sort(
        "ward_code", "period", "indicator_code", "finding_code", nulls_last=True
    )
    return ward_values, findings
