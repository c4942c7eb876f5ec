"""Numbers written the way Vietnamese offices write them (`1.301`, `10,4 triệu`, `trên 5,3 tỷ`).

Pure: values in, text out. Whatever this module writes, `transforms.numbers.parse_number`
reads back (a property test checks it): to the same value, or, when the text starts with
`trên`, to a value no larger than the one written about and less than one unit of the last
digit below it.

Decisions:
- Thousands are grouped with `.`, the decimal mark is `,` (`1.234.567,5`).
- Money (VND) is scaled the way conference reports write it: below a million in đồng
  (`850.000 đồng`), then `triệu đồng`, then `tỷ đồng`, with one decimal under 100 of the scale
  word (`10,4 triệu`, `5,3 tỷ`) and none above (`137 tỷ`). Mass in kg becomes `tấn` from 10
  tonnes, with up to two decimals (`316,63 tấn`).
- A figure that does not fit those digits is rounded *down* and written with `trên` ("over"),
  as the reports do: the reader is never told more than was achieved. `trên` is also written
  when the figure is approximate itself (a ward wrote `trên 5 triệu`): the total is then "over".
- Counts are whole numbers written in full (`1.301 nhà`): no scale word, nothing rounded.
- Negative figures (the rules flag them; they are never hidden) are written in full, rounded to
  two decimals, never scaled, with `khoảng` ("about") when rounded or approximate.
- A percentage (`12,5%`) is rounded half up to one decimal: it is a ratio, not an amount.
"""

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

APPROXIMATE_WORD = "trên"
ABOUT_WORD = "khoảng"  # negative figures: rounded either way
MONEY_UNITS = ("VND",)
MASS_UNITS = ("kg",)
_SCALES = ((Decimal(10**9), "tỷ"), (Decimal(10**6), "triệu"))
TONNE = Decimal(1000)


def group_digits(number: Decimal) -> str:
    """`Decimal('1234567.5')` -> `1.234.567,5` (the digits given, none added or dropped)."""
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return sign + grouped + ("," + fraction if fraction else "")


def _decimal(value: float) -> Decimal:
    """The shortest decimal that reads back as `value` (`0.29`, not 0.28999…)."""
    return Decimal(repr(float(value)))


def _trimmed(number: Decimal) -> Decimal:
    """Without trailing zeros after the decimal mark (`10.40` -> `10.4`, `137.0` -> `137`)."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def _floored(number: Decimal, decimals: int) -> tuple[Decimal, bool]:
    """`number` rounded down to `decimals` places, and whether that lost anything."""
    floored = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_FLOOR)
    return _trimmed(floored), floored != number


def format_number(value: float, unit: str | None = None, approximate: bool = False) -> str:
    """A figure with its unit word, as a report writes it.

    Args:
        unit: the catalog unit (`VND`, `kg`, `nhà`, `cuộc`, `%`...): VND becomes `đồng` with a
            scale word, kg may become `tấn`, `%` is glued to the number, others follow it.
        approximate: the figure is itself approximate (some of its values were): `trên`.
    """
    number = _decimal(value)
    if number < 0:
        rounded = _trimmed(number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
        about = rounded != number or approximate
        return _with_unit(group_digits(rounded), unit, ABOUT_WORD if about else "")
    if unit in MONEY_UNITS:
        text, lost = _money(number)
    elif unit in MASS_UNITS and number >= 10 * TONNE:
        digits, lost = _floored(number / TONNE, 2)
        text = f"{group_digits(digits)} tấn"
    else:
        digits, lost = _floored(number, 2)
        text = _with_unit(group_digits(digits), unit)
    return f"{APPROXIMATE_WORD} {text}" if lost or approximate else text


def _money(number: Decimal) -> tuple[str, bool]:
    for scale, word in _SCALES:
        if number >= scale:
            scaled = number / scale
            digits, lost = _floored(scaled, 1 if scaled < 100 else 0)
            return f"{group_digits(digits)} {word} đồng", lost
    digits, lost = _floored(number, 0)
    return f"{group_digits(digits)} đồng", lost


def _with_unit(text: str, unit: str | None, word: str = "") -> str:
    prefix = f"{word} " if word else ""
    if not unit:
        return prefix + text
    if unit == "%":
        return f"{prefix}{text}%"
    if unit in MONEY_UNITS:
        return f"{prefix}{text} đồng"
    return f"{prefix}{text} {unit}"


def format_count(value: float) -> str:
    """A whole number in full: `1301` -> `1.301` (a fraction, if any, after `,`)."""
    return group_digits(_trimmed(_decimal(value)))


def format_percent(value: float) -> str:
    """`12.4999` -> `12,5%`: rounded half up to one decimal."""
    rounded = _decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{group_digits(_trimmed(rounded))}%"


def percent_change(current: float, previous: float) -> float | None:
    """The change from `previous` to `current` in percent; None when there is no base."""
    if previous is None or current is None or previous == 0:
        return None
    return 100.0 * (current - previous) / previous


def format_change(current: float, previous: float | None) -> str | None:
    """`tăng 12,5% so với cùng kỳ` / `giảm 3% so với cùng kỳ` / `bằng cùng kỳ`; None without
    a previous figure (or a zero one: no percentage of nothing)."""
    change = percent_change(current, previous)
    if change is None:
        return None
    rounded = _decimal(change).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if rounded == 0:
        return "bằng cùng kỳ"
    word = "tăng" if rounded > 0 else "giảm"
    return f"{word} {format_percent(abs(float(rounded)))} so với cùng kỳ"
