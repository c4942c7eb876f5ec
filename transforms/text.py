"""Vietnamese text clean-up (NFC, whitespace) and a folded key for comparing labels."""

import re
import unicodedata
from functools import lru_cache

import polars as pl

# Spaces Excel and web copy-paste bring in (NBSP, narrow NBSP, figure space, zero-width ones).
_ODD_SPACES = re.compile(r"[\u00a0\u2007\u202f\u200b\u200c\u200d\ufeff\u2060]")
_WHITESPACE = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")


def normalize_text(s: str | None) -> str | None:
    """NFC, odd spaces made plain, internal whitespace collapsed, trimmed; None/blank -> None."""
    if s is None:
        return None
    s = _WHITESPACE.sub(" ", _ODD_SPACES.sub(" ", unicodedata.normalize("NFC", s))).strip()
    return s or None


@lru_cache(maxsize=65536)
def strip_diacritics(s: str) -> str:
    """`Đống Đa` -> `Dong Da`: drop combining marks; đ/Đ have none, so map them by hand."""
    decomposed = unicodedata.normalize("NFD", s)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


@lru_cache(maxsize=65536)
def fold(s: str | None) -> str:
    """Comparison key ignoring case, Unicode form, spacing, punctuation and diacritics.

    `Phường  Phúc Xá`, `phuong phuc xa` and `PHƯỜNG PHÚC-XÁ` all give `phuongphucxa`.
    None/blank gives "".
    """
    text = normalize_text(s)
    if text is None:
        return ""
    return _NOT_WORD.sub("", strip_diacritics(text.lower()))


def fold_expr(expr: pl.Expr) -> pl.Expr:
    """`fold` as a Polars expression, for whole columns (nulls stay null)."""
    return (
        expr.str.normalize("NFD")
        .str.replace_all(r"\p{Mn}", "")
        .str.to_lowercase()
        .str.replace_all("đ", "d", literal=True)
        .str.replace_all(r"[\W_]+", "")
    )
