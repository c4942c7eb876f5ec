"""When a unit is valid: the one rule every module applies to `valid_from` / `valid_to`."""

from datetime import date

import polars as pl


def valid_at(day: str | date | pl.Expr, valid_from: str = "valid_from",
             valid_to: str = "valid_to") -> pl.Expr:
    """True where the unit is valid on `day`: `valid_from <= day <= valid_to`, both ends
    inclusive, a null `valid_to` meaning still valid today.

    Args:
        day: a column name, a date, or an expression.
        valid_from, valid_to: the columns holding the interval (renamed in some joins).
    """
    if isinstance(day, str):
        day = pl.col(day)
    elif not isinstance(day, pl.Expr):
        day = pl.lit(day, dtype=pl.Date)
    return (pl.col(valid_from) <= day) & (pl.col(valid_to).is_null() | (pl.col(valid_to) >= day))
