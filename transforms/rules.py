"""Rule and plausibility findings on values that are kept: cross-indicator rules and outliers.

Two checks, both returning FINDINGS frames and never changing a value (SPEC §4: rules are
"checked, reported, never silently fixed"):

- `check_rules`: every rule of `warehouse/reference/rules.csv` (Σ lhs ≤ Σ rhs) on every file
  whose values cover all the rule's codes.
- `flag_outliers`: a quarter value far from both the ward's own history and its district's other
  wards in the same quarter (R_OUTLIER; see the function for the exact definition of "far").

Also the small helpers the other transforms use to build findings without a Python loop over
rows: `format_vn_number` / `vn_number` (Vietnamese number formatting: 1.234.567 and 10,5) and
`findings_from_frame` (vectorised `make_finding`).
"""

import re

import polars as pl

from transforms.findings import CATALOG
from transforms.periods import period_end
from transforms.schema import FINDINGS
from transforms.validity import valid_at

# Relative tolerance for "a > b" on figures that went through float arithmetic.
REL_TOLERANCE = 1e-9

# R_OUTLIER: "far" means more than OUTLIER_FACTOR times, or less than 1/OUTLIER_LOW_FACTOR of,
# both reference medians, each taken over at least OUTLIER_MIN_POINTS non-zero values. The low
# side is much wider: small figures are common and honest (a quiet quarter for the relief fund),
# while a figure typed in the wrong unit (millions for đồng) is 1/1,000,000 of its peers.
OUTLIER_FACTOR = 10.0
OUTLIER_LOW_FACTOR = 1000.0
OUTLIER_MIN_POINTS = 4

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def format_vn_number(value: float | int | None, decimals: int = 2) -> str:
    """A number as Vietnamese readers write it: `1234567` -> "1.234.567", `10.5` -> "10,5".

    Rounded to `decimals` places, trailing zeros dropped; None -> "".
    """
    if value is None:
        return ""
    scaled = round(abs(value) * 10**decimals)
    whole, fraction = divmod(scaled, 10**decimals)
    text = f"{whole:,}".replace(",", ".")
    if decimals and fraction:
        text += "," + f"{fraction:0{decimals}d}".rstrip("0")
    return ("-" if value < 0 and scaled else "") + text


def vn_number(expr: pl.Expr, decimals: int = 2) -> pl.Expr:
    """`format_vn_number` as a Polars expression (null stays null)."""
    scale = 10**decimals
    scaled = (expr.abs() * scale).round(0).cast(pl.Int64)
    whole = (scaled // scale).cast(pl.String)
    # Group thousands: reverse, put a dot after every 3 digits, drop the trailing one, reverse.
    grouped = (
        whole.str.reverse().str.replace_all(r"(\d{3})", "${1}.").str.strip_chars_end(".")
    ).str.reverse()
    fraction = (
        (scaled % scale).cast(pl.String).str.pad_start(decimals, "0").str.strip_chars_end("0")
    )
    with_fraction = (
        pl.when(fraction.str.len_chars() > 0)
        .then(pl.concat_str([grouped, pl.lit(","), fraction]))
        .otherwise(grouped)
        if decimals
        else grouped
    )
    sign = pl.when((expr < 0) & (scaled > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str([sign, with_fraction])


def _fill_template(template: str | pl.Expr, fields: dict[str, pl.Expr]) -> pl.Expr:
    """A message template with `{name}` placeholders filled from string expressions.

    A placeholder without a field stays visible, as in `findings.make_finding`.
    """
    pieces: list[pl.Expr] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        pieces.append(pl.lit(template[position : match.start()]))
        name = match.group(1)
        pieces.append(fields[name].fill_null("") if name in fields else pl.lit(match.group(0)))
        position = match.end()
    pieces.append(pl.lit(template[position:]))
    return pl.concat_str(pieces)


def findings_from_frame(
    frame: pl.DataFrame,
    code: str,
    fields: dict[str, pl.Expr] | None = None,
    templates: tuple[str, str, str] | None = None,
) -> pl.DataFrame:
    """A FINDINGS frame with one finding `code` per row of `frame` (vectorised `make_finding`).

    Args:
        frame: holds any FINDINGS columns it knows (file_hash, ward_code, period, ...);
            the others are null.
        fields: placeholder name -> string expression over `frame` (e.g. {"lhs": ...}).
        templates: (severity, message_vi, message_en); default: CATALOG[code].
    """
    severity, vi, en = templates if templates is not None else CATALOG[code]
    fields = fields or {}
    columns = []
    for column, dtype in FINDINGS.items():
        if column == "finding_code":
            columns.append(pl.lit(code, pl.String).alias(column))
        elif column == "severity":
            columns.append(pl.lit(severity, pl.String).alias(column))
        elif column == "message_vi":
            columns.append(_fill_template(vi, fields).alias(column))
        elif column == "message_en":
            columns.append(_fill_template(en, fields).alias(column))
        elif column in frame.columns:
            columns.append(pl.col(column).cast(dtype).alias(column))
        else:
            columns.append(pl.lit(None, dtype).alias(column))
    return frame.select(columns)


def _split_codes(column: str) -> pl.Expr:
    return pl.col(column).str.split("+").list.eval(pl.element().str.strip_chars())


def check_rules(
    values_by_file: pl.DataFrame, rules: pl.DataFrame, indicators: pl.DataFrame
) -> pl.DataFrame:
    """One finding per (file, rule) where Σ lhs > Σ rhs (RULES: Σ lhs ≤ Σ rhs must hold).

    A rule is checked on a file only when the file has a value for every code of the rule
    (blank is not zero: a missing side is not a violation). Finding code = the rule's
    rule_code; severity and messages from the rule row, {lhs}/{rhs} as Vietnamese numbers.

    Args:
        values_by_file: file_hash, ward_code, period, indicator_code, value.
        indicators: the catalog; a rule naming an unknown indicator raises ValueError.
    """
    sides = (
        rules.select(
            "rule_code",
            pl.concat_list(
                _split_codes("lhs_codes").list.eval(pl.concat_str(pl.lit("lhs|"), pl.element())),
                _split_codes("rhs_codes").list.eval(pl.concat_str(pl.lit("rhs|"), pl.element())),
            ).alias("side_code"),
        )
        .explode("side_code")
        .with_columns(
            pl.col("side_code")
            .str.split_exact("|", 1)
            .struct.rename_fields(["side", "indicator_code"])
        )
        .unnest("side_code")
    )
    unknown = sides.join(indicators, on="indicator_code", how="anti")
    if unknown.height:
        listed = ", ".join(sorted(set(unknown["indicator_code"].to_list())))
        raise ValueError(f"rules name indicators missing from the catalog: {listed}")
    needed = sides.group_by("rule_code", "side").agg(pl.len().alias("codes_needed"))

    per_side = (
        values_by_file.select("file_hash", "ward_code", "period", "indicator_code", "value")
        .join(sides, on="indicator_code", how="inner")
        .group_by("file_hash", "ward_code", "period", "rule_code", "side")
        .agg(pl.col("value").sum().alias("total"), pl.len().alias("codes_found"))
        .join(needed, on=["rule_code", "side"], how="inner")
        .filter(pl.col("codes_found") == pl.col("codes_needed"))
    )
    index = ["file_hash", "ward_code", "period", "rule_code"]
    lhs = per_side.filter(pl.col("side") == "lhs").select(*index, pl.col("total").alias("lhs"))
    rhs = per_side.filter(pl.col("side") == "rhs").select(*index, pl.col("total").alias("rhs"))
    broken = (
        lhs.join(rhs, on=index, how="inner")
        .filter(pl.col("lhs") > pl.col("rhs") + REL_TOLERANCE * pl.col("rhs").abs().clip(1.0))
        .join(
            rules.select("rule_code", "lhs_codes", "severity", "message_vi", "message_en"),
            on="rule_code",
            how="left",
        )
        .sort(index)
    )
    if broken.is_empty():
        return pl.DataFrame(schema=FINDINGS)
    # Rule messages differ per row, so fill each rule's templates on its own rows.
    parts = []
    for rule in rules.iter_rows(named=True):  # a handful of rules, not rows of data
        rows = broken.filter(pl.col("rule_code") == rule["rule_code"])
        if rows.is_empty():
            continue
        found = rows.with_columns(
            indicator_code=pl.col("lhs_codes"),
            found_text=pl.concat_str(
                vn_number(pl.col("lhs")), pl.lit(" > "), vn_number(pl.col("rhs"))
            ),
        )
        framed = findings_from_frame(
            found,
            rule["rule_code"],
            fields={"lhs": vn_number(pl.col("lhs")), "rhs": vn_number(pl.col("rhs"))},
            templates=(rule["severity"], rule["message_vi"], rule["message_en"]),
        )
        parts.append(framed)
    return pl.concat(parts).sort("file_hash", "ward_code", "period", "finding_code")


def flag_outliers(
    ward_values: pl.DataFrame,
    units: pl.DataFrame,
    indicators: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """R_OUTLIER findings: quarter values far from the ward's history AND from its district.

    For each quarter value v > 0 of a ward, indicator i and quarter p (zeros are never flagged
    and never used as references):
      own  = median of the ward's non-zero quarter values of i over all its quarters, p included;
      peer = median of the non-zero values of i in p of the wards under the same parent unit
             (the district valid at p's end; after 2025-07-01 the city), the ward included.
    Each median needs at least OUTLIER_MIN_POINTS values (so at least 3 others besides v, and
    one extreme value cannot move the median far). v is flagged when it is more than
    OUTLIER_FACTOR (10) times both medians, or less than 1/OUTLIER_LOW_FACTOR (1/1000) of both.
    With ordinary ±50% variation the ratio never exceeds 3; a value typed 100× too large, or in
    millions where đồng were meant, is flagged.

    Args:
        ward_values: WARD_VALUES frame.
        units: UNITS frame (all eras) for each ward's parent at the period's end.
        indicators: when given, only `sum` indicators are checked (SPEC: flows, not stocks);
            without it every indicator in ward_values is.
    """
    quarters = ward_values.filter(
        pl.col("period").str.contains(r"-Q[1-4]$") & (pl.col("value") > 0)
    )
    if indicators is not None:
        sums = indicators.filter(pl.col("aggregation") == "sum").select("indicator_code")
        quarters = quarters.join(sums, on="indicator_code", how="semi")
    if quarters.is_empty():
        return pl.DataFrame(schema=FINDINGS)

    ends = quarters.select(pl.col("period").unique().sort()).with_columns(
        period_end=pl.col("period").map_elements(period_end, return_dtype=pl.Date)
    )  # one call per distinct period, not per row
    wards = units.filter(pl.col("level") == "ward").select(
        pl.col("unit_code").alias("ward_code"), "parent_code", "valid_from", "valid_to"
    )
    parents = (
        quarters.select("ward_code", "period")
        .unique()
        .join(ends, on="period")
        .join(wards, on="ward_code", how="inner")
        .filter(valid_at("period_end"))
        .group_by("ward_code", "period")
        .agg(pl.col("parent_code").min())
    )
    scored = (
        quarters.join(parents, on=["ward_code", "period"], how="left")
        .with_columns(
            own=pl.col("value").median().over("ward_code", "indicator_code"),
            own_n=pl.len().over("ward_code", "indicator_code"),
            peer=pl.col("value").median().over("parent_code", "period", "indicator_code"),
            peer_n=pl.len().over("parent_code", "period", "indicator_code"),
        )
        .filter(
            pl.col("parent_code").is_not_null()
            & (pl.col("own_n") >= OUTLIER_MIN_POINTS)
            & (pl.col("peer_n") >= OUTLIER_MIN_POINTS)
        )
    )
    high = (pl.col("value") > OUTLIER_FACTOR * pl.col("own")) & (
        pl.col("value") > OUTLIER_FACTOR * pl.col("peer")
    )
    low = (pl.col("value") * OUTLIER_LOW_FACTOR < pl.col("own")) & (
        pl.col("value") * OUTLIER_LOW_FACTOR < pl.col("peer")
    )
    flagged = scored.filter(high | low).sort("ward_code", "period", "indicator_code")
    return findings_from_frame(
        flagged.with_columns(found_text=vn_number(pl.col("value"))),
        "R_OUTLIER",
        fields={"lhs": vn_number(pl.col("value")), "rhs": vn_number(pl.col("own"))},
    )
