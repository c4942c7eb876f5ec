"""Vietnamese number parsing (`1.084`, `10,4 triệu`, `trên 5,3 tỷ đồng`, `316,63 tấn`)."""

import math
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import NamedTuple

import polars as pl

from transforms.text import fold, normalize_text, strip_diacritics

BAD_UNIT = "V_BAD_UNIT"
NOT_A_NUMBER = "V_NOT_A_NUMBER"


class ParsedNumber(NamedTuple):
    """One parsed value: `value` is None for a blank cell or an error (`error_code` says which)."""

    value: float | None
    is_approximate: bool = False
    error_code: str | None = None


BLANK = ParsedNumber(None)

# Unit words, matched on lowercase text with diacritics stripped (`tỷ` -> `ty`, `đ` -> `d`),
# so that `ty`, `trieu`, `tan` typed without accents read the same.
_SCALE = {
    "nghin": 10**3, "ngan": 10**3, "k": 10**3, "tram": 10**2,
    "trieu": 10**6, "tr": 10**6, "ty": 10**9, "ti": 10**9,
}  # fmt: skip
_CURRENCY = {"vnd", "dong", "d"}
_MASS_KG = {"tan": 1000, "ta": 100, "yen": 10, "kg": 1, "kilogam": 1, "kilogram": 1}
_PERCENT = {"%", "phan tram"}
_TOKENS = sorted([*_SCALE, *_CURRENCY, *_MASS_KG, *_PERCENT], key=len, reverse=True)
_ALTERNATION = "|".join(re.escape(t) for t in _TOKENS)
# A unit word must end at a non-letter or run straight into another unit word (`trđ`, `10tr`):
# that keeps `ta` (tạ) out of `tang` and `ty` out of `tyle`.
_TOKEN = re.compile(rf"[\s./()]*({_ALTERNATION})(?=$|[^a-z]|(?:{_ALTERNATION}))")

_ZERO_WORDS = {"-", "--", "---", "—", "–", "khong", "khong co", "0"}
# Leading words that make a figure approximate ("over", "more than", "nearly", "about"...).
_APPROX = re.compile(
    r"^(?:tren|hon|gan|khoang|chung|tam|xap xi|uoc tinh|uoc dat|uoc|duoi|~|≈|>=|<=|>|<|≥|≤)"
    r"(?:\s+|(?=\d))"
)
_NUMBER = re.compile(r"^([-−–+]?)\s*(\d[\d.,\s]*)(.*)$")
_DIGITS = re.compile(r"^\d+$")
_DOT_GROUPS = re.compile(r"^[1-9]\d{0,2}(?:\.\d{3})+$")
_COMMA_GROUPS = re.compile(r"^[1-9]\d{0,2}(?:,\d{3})+$")
_SPACE_GROUPS = re.compile(r"^[1-9]\d{0,2}(?: \d{3})+$")
_DECIMAL = re.compile(r"^\d+$")
_UNIT_LABEL = re.compile(r"^(?:dvt|don vi tinh|don vi)\s*:?\s*")


def parse_number(
    text: str | None, unit_text: str | None, indicator_unit: str | None
) -> ParsedNumber:
    """Parse a value cell written as text the Vietnamese way.

    `.` groups thousands and `,` is the decimal mark (`1.084` = 1084, `10,4` = 10.4,
    `1.234.567,5`); scale words multiply (`nghìn`/`ngàn`/`k`, `triệu`/`tr`, `tỷ`/`tỉ`);
    `đồng`/`đ`/`VNĐ` are tolerated on VND indicators; mass units convert to a mass indicator's
    unit (`316,63 tấn` = 316630 kg); `98%` is 98 on a `%` indicator; a leading `trên`, `hơn`,
    `gần`, `khoảng`, `xấp xỉ`, `ước`... keeps the number and marks it approximate; `-`, `—`, `–`,
    `không` and `0` are zero; blank is not reported (value None, no error). A trailing word that
    is the indicator's own unit (`12 cuộc`) is tolerated. Negative numbers stay negative (the
    rules reject them later, quoting the text).

    Decisions on ambiguous writing:
    - A dot groups thousands only when the grouping is proper: 1-3 leading digits not starting
      with 0, then groups of exactly 3 (`1.084`, `1.234.567`). Any other single dot is a decimal
      typed the English way (`3.5` = 3.5, `0.500` = 0.5, `1234.567` = 1234.567). Improper
      groups with several dots (`1.23.456`) are errors.
    - A single comma is always the decimal mark (`1,084` = 1.084, as Vietnamese writes it);
      several commas in proper groups are English thousands (`1,234,567`); with both marks the
      last one is the decimal mark (`1.234,5` and `1,234.5`); spaces may group thousands
      (`10 400 000`).
    - A text that names a unit of its own (`5,3 tỷ`, `152.000.000 đ`, `800kg`, `98%`) is read
      on its own and the `Đơn vị tính` column is ignored: the text's own scale wins. A bare
      number takes the column's scale (`10,4` with `triệu đồng` = 10 400 000).
    - Mass on a non-mass indicator, `%` on a non-% indicator, and money on a non-money indicator
      are `V_BAD_UNIT`, whether in the text or in the `Đơn vị tính` column.
    """
    return _combine(_parse_text(text, indicator_unit), _unit_text_factor(unit_text, indicator_unit))


def scale_numeric(value: float, unit_text: str | None, indicator_unit: str | None) -> ParsedNumber:
    """A number Excel/JSON stored as a number: taken as it is, times the `Đơn vị tính` scale.

    `152` with `triệu đồng` gives 152 000 000; with `đồng` (or no unit) 152.
    """
    if value is None or math.isnan(value):
        return BLANK
    factor, error = _unit_text_factor(unit_text, indicator_unit)
    if error:
        return ParsedNumber(None, False, error)
    return ParsedNumber(float(value) * factor)


def parse_values(raw: pl.DataFrame) -> pl.DataFrame:
    """Add `value`, `is_approximate` and `error_code` to RAW_VALUES rows (one row per cell).

    `raw` carries RAW_VALUES columns plus `indicator_unit`. A non-null `value_number` wins
    (scale_numeric); otherwise `value_text` is parsed (parse_number). Python runs once per
    distinct (text, indicator unit) and once per distinct (`Đơn vị tính`, indicator unit); the
    results are joined back and combined in Polars, keeping row order.
    """
    is_text = pl.col("value_number").is_null() & pl.col("value_text").is_not_null()
    texts = raw.filter(is_text).select("value_text", "indicator_unit").unique()
    units = raw.select("unit_text", "indicator_unit").unique()
    parsed = [_parse_text(*row) for row in texts.iter_rows()]
    factors = [_unit_text_factor(*row) for row in units.iter_rows()]
    text_table = texts.with_columns(
        pl.Series("_number", [p.number for p in parsed], pl.Float64),
        pl.Series("_named", [p.named for p in parsed], pl.Boolean),
        pl.Series("_approx", [p.approximate for p in parsed], pl.Boolean),
        pl.Series("_text_error", [p.error for p in parsed], pl.String),
    )
    unit_table = units.with_columns(
        pl.Series("_factor", [f for f, _ in factors], pl.Float64),
        pl.Series("_unit_error", [e for _, e in factors], pl.String),
    )
    joined = raw.join(
        text_table, on=["value_text", "indicator_unit"], how="left", nulls_equal=True,
        maintain_order="left",
    ).join(
        unit_table, on=["unit_text", "indicator_unit"], how="left", nulls_equal=True,
        maintain_order="left",
    )  # fmt: skip
    numeric = pl.col("value_number").is_not_null()
    blank_number = pl.col("value_number").is_nan()  # as scale_numeric: NaN is no figure
    # Same order of decisions as _combine: the text's own error, then its own units, then the
    # `Đơn vị tính` column.
    error = (
        pl.when(numeric)
        .then(pl.when(~blank_number).then(pl.col("_unit_error")))
        .when(pl.col("_text_error").is_not_null())
        .then(pl.col("_text_error"))
        .when(~pl.col("_named"))
        .then(pl.col("_unit_error"))
    )
    value = (
        pl.when(numeric)
        .then(pl.when(~blank_number).then(pl.col("value_number") * pl.col("_factor")))
        .when(pl.col("_named"))
        .then(pl.col("_number"))
        .otherwise(pl.col("_number") * pl.col("_factor"))
    )
    return (
        joined.with_columns(_error=error)
        .with_columns(
            value=pl.when(pl.col("_error").is_null()).then(value),
            is_approximate=pl.col("_error").is_null()
            & ~numeric
            & pl.col("_approx").fill_null(False),
            error_code=pl.col("_error"),
        )
        .drop("_number", "_named", "_approx", "_text_error", "_factor", "_unit_error", "_error")
    )


# --- internals --------------------------------------------------------------------------------


class _Text(NamedTuple):
    """A value text read on its own: the number (already scaled when `named`), or an error."""

    number: float | None
    named: bool = False  # the text names its unit, so `Đơn vị tính` does not apply
    approximate: bool = False
    error: str | None = None


_BLANK_TEXT = _Text(None, named=True)  # blank: not reported, whatever the unit column says


def _combine(text: _Text, unit: tuple[float | None, str | None]) -> ParsedNumber:
    if text.error:
        return ParsedNumber(None, False, text.error)
    if text.named:
        return ParsedNumber(text.number, text.approximate)
    factor, error = unit
    if error:
        return ParsedNumber(None, False, error)
    return ParsedNumber(text.number * factor, text.approximate)


@lru_cache(maxsize=65536)
def _parse_text(raw_text: str | None, indicator_unit: str | None) -> _Text:
    """Read a value text without its `Đơn vị tính` column."""
    text = normalize_text(raw_text)
    if text is None:
        return _BLANK_TEXT
    plain = strip_diacritics(text.lower())
    if plain in _ZERO_WORDS:
        return _Text(0.0)
    approximate = False
    while match := _APPROX.match(plain):
        approximate, plain = True, plain[match.end() :]
    match = _NUMBER.match(plain)
    if not match:
        return _Text(None, error=NOT_A_NUMBER)
    sign, digits, rest = match.groups()
    rest = digits[len(digits.rstrip(" .,")) :] + rest  # `5 tr.`: trailing marks belong to the unit
    number = _read_digits(digits.rstrip(" .,"))
    words = _read_unit_words(rest, indicator_unit)
    if number is None or words is None:
        return _Text(None, error=NOT_A_NUMBER)
    if sign and sign != "+":
        number = -number
    if not words.named:
        return _Text(float(number), False, approximate)
    factor, error = _factor(words, indicator_unit)
    if error:
        return _Text(None, error=error)
    return _Text(float(number * factor), True, approximate)


def _read_digits(digits: str) -> Decimal | None:
    """The digits of a number with its thousands and decimal marks; None when malformed."""
    if _DIGITS.match(digits):
        return Decimal(digits)
    dot, comma = digits.rfind("."), digits.rfind(",")
    if " " in digits:
        whole, _, fraction = digits.partition(",")
        if not _SPACE_GROUPS.match(whole) or (fraction and not _DECIMAL.match(fraction)):
            return None
        return _decimal(whole.replace(" ", ""), fraction)
    if dot >= 0 and comma >= 0:
        decimal_mark, group_mark, groups = (
            (",", ".", _DOT_GROUPS) if comma > dot else (".", ",", _COMMA_GROUPS)
        )
        whole, _, fraction = digits.rpartition(decimal_mark)
        if not groups.match(whole) or not _DECIMAL.match(fraction):
            return None
        return _decimal(whole.replace(group_mark, ""), fraction)
    if dot >= 0:
        if _DOT_GROUPS.match(digits):
            return Decimal(digits.replace(".", ""))
        whole, _, fraction = digits.partition(".")
        return _decimal(whole, fraction) if _DECIMAL.match(fraction) else None  # English `3.5`
    if _COMMA_GROUPS.match(digits) and digits.count(",") > 1:
        return Decimal(digits.replace(",", ""))
    whole, _, fraction = digits.partition(",")
    return _decimal(whole, fraction) if _DECIMAL.match(fraction) else None


def _decimal(whole: str, fraction: str) -> Decimal | None:
    try:
        return Decimal(f"{whole}.{fraction}" if fraction else whole)
    except InvalidOperation:
        return None


class _UnitWords(NamedTuple):
    """What unit words say: a scale, and which of money / mass / percent they name."""

    scale: int = 1
    mass_kg: int | None = None
    currency: bool = False
    percent: bool = False

    @property
    def named(self) -> bool:
        return self.scale != 1 or self.mass_kg is not None or self.currency or self.percent


def _read_unit_words(
    phrase: str, indicator_unit: str | None, lenient: bool = False
) -> _UnitWords | None:
    """Read unit words from a diacritic-free phrase; None when something else is left over.

    Left-over words are accepted when they are the indicator's own unit (`12 cuộc`), or always
    when `lenient` (the `Đơn vị tính` column, where `Lượt người` or `Cuộc` carry no scale).
    """
    phrase = re.sub(r"\bty le\b", "%", phrase)  # `tỷ lệ` is a rate, not a billion
    scale, mass, currency, percent, position = 1, None, False, False, 0
    while match := _TOKEN.match(phrase, position):
        word, position = match[1], match.end()
        if word in _SCALE:
            scale *= _SCALE[word]
        elif word in _MASS_KG:
            mass = _MASS_KG[word]
        elif word in _CURRENCY:
            currency = True
        else:
            percent = True
    left = fold(phrase[position:])
    own_unit = fold(indicator_unit)
    if left and not lenient and not (own_unit and left.startswith(own_unit)):
        return None
    return _UnitWords(scale, mass, currency, percent)


@lru_cache(maxsize=4096)
def _indicator_kind(indicator_unit: str | None) -> tuple[str, int | None]:
    """(`currency` / `mass` / `percent` / `other`, kg per unit for mass)."""
    text = normalize_text(indicator_unit) or ""
    key = strip_diacritics(text.lower())
    if key in _CURRENCY or key == "vnd":
        return "currency", None
    if key in _MASS_KG:
        return "mass", _MASS_KG[key]
    if key in _PERCENT:
        return "percent", None
    return "other", None


def _factor(words: _UnitWords, indicator_unit: str | None) -> tuple[Decimal, str | None]:
    """The multiplier the unit words imply for this indicator, or a V_BAD_UNIT error."""
    kind, indicator_kg = _indicator_kind(indicator_unit)
    if (
        (words.percent and kind != "percent")
        or (words.mass_kg is not None and kind != "mass")
        or (words.currency and kind != "currency")
    ):
        return Decimal(0), BAD_UNIT
    factor = Decimal(words.scale)
    if words.mass_kg is not None and indicator_kg:
        factor = factor * words.mass_kg / indicator_kg
    return factor, None


@lru_cache(maxsize=4096)
def _unit_text_factor(
    raw_unit_text: str | None, indicator_unit: str | None
) -> tuple[float | None, str | None]:
    """The multiplier a `Đơn vị tính` cell implies (`triệu đồng` -> 10^6, `tấn` -> 1000 for kg).

    Its own number counts too (`1.000 đồng` -> 1000); words that are not units (`Cuộc`,
    `Lượt người`) mean 1.
    """
    unit_text = normalize_text(raw_unit_text)
    if unit_text is None:
        return 1.0, None
    plain = _UNIT_LABEL.sub("", strip_diacritics(unit_text.lower()))
    multiplier = Decimal(1)
    if match := _NUMBER.match(plain):
        number = _read_digits(match[2].rstrip(" .,"))
        if number is not None and not match[1]:
            multiplier, plain = number, match[2][len(match[2].rstrip(" .,")) :] + match[3]
    words = _read_unit_words(plain, indicator_unit, lenient=True)
    factor, error = _factor(words, indicator_unit)
    return (None, error) if error else (float(multiplier * factor), None)
