"""Identifies the reporting ward of a submission from the code and names in its header."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import polars as pl
from rapidfuzz import fuzz, process

from transforms.periods import is_period_id, period_end
from transforms.text import normalize_text, strip_diacritics
from transforms.validity import valid_at

WARD_MISSING = "F_WARD_MISSING"
WARD_UNKNOWN = "F_WARD_UNKNOWN"
WARD_AMBIGUOUS = "F_WARD_AMBIGUOUS"
WARD_MISMATCH = "F_WARD_MISMATCH"

MATCH_SCHEMA = {
    "file_hash": pl.String,
    "matched_ward_code": pl.String,
    "match_error": pl.String,
    "candidates": pl.String,  # `Phường Phúc Xá (00001, Quận Ba Đình); ...`
    "found": pl.String,  # the code and/or name as written, when they did not identify a ward
    "by_code": pl.String,  # F_WARD_MISMATCH: the ward the code names (the name names another)
}
MAX_CANDIDATES = 3
MAX_TIED = 10  # an ambiguous name lists every tied ward, up to this many

# Prefixes, matched on lowercase text without diacritics. An abbreviation needs a dot, a space
# or a digit after it (`P.Phúc Xá`, `P 1`, `P01`), so the `P` of `Phú Diễn` is never taken.
_WARD_PREFIX = re.compile(r"^(phuong|xa|thi tran|p|x|tt)(?:\.\s*|\s+|(?=\d))")
_WARD_KIND = {
    "phuong": "phuong",
    "p": "phuong",
    "xa": "xa",
    "x": "xa",
    "thi tran": "tt",
    "tt": "tt",
}
_DISTRICT_PREFIX = re.compile(r"^(quan|huyen|thi xa|thanh pho|tp|tx|q|h)(?:\.\s*|\s+|(?=\d))")
_NUMBER = re.compile(r"\d+")
_NOT_WORD = re.compile(r"[\W_]+")


def match_wards(headers: pl.DataFrame, units: pl.DataFrame) -> pl.DataFrame:
    """One row per header row (same order): the ward it reports for, or why none was found.

    `headers` has file_hash, ward_code, ward_name, district_name (all as written) and period
    (a canonical id or null); `units` is a UNITS frame holding every era.

    The candidates are the wards valid on the period's last day. A code (trimmed; digits
    left-padded to 5, so `115` = `00115`) that names such a ward wins, even when the name names
    another. A code that names no such ward rejects the file (F_WARD_UNKNOWN), offering the
    ward the name points to as the candidate. Without a code, the name is matched ignoring
    case, Unicode form, spacing and prefixes
    (`Phường`/`P.`, `Xã`/`X.`, `Thị trấn`/`TT.`; numbered wards `P.01` = `Phường 1`), exact
    diacritics first and without diacritics as a fallback, within the wards of the district
    named by `district_name` (matched the same way, with `Quận`/`Q.`, `Huyện`/`H.`,
    `Thị xã`/`TX`, `Thành phố`/`TP`). When no district is given, or it names no district valid
    then (there are none after 2025-07-01), the name is matched across the whole hierarchy.
    When several wards tie and the name's own prefix says which kind (phường / xã / thị trấn),
    only that kind is kept. A null or invalid period means "any era": a code takes its latest
    version, and a name may match wards of every era (two eras giving different codes is then
    ambiguous).

    Errors: F_WARD_MISSING (neither code nor name), F_WARD_UNKNOWN (with up to 3 closest names
    as `candidates`), F_WARD_AMBIGUOUS (the tied wards as `candidates`), F_WARD_MISMATCH (the
    code's ward as `by_code`, the name's or district's as `candidates`).
    """
    rows = headers.with_row_index("_row").with_columns(
        _code=_clean_code(pl.col("ward_code")),
        _end=pl.col("period").replace_strict(
            _period_ends(headers["period"]), default=None, return_dtype=pl.Date
        ),
    )
    ward_units = units.filter(pl.col("level") == "ward")
    by_code = (
        rows.filter(pl.col("_code").is_not_null())
        .select("_row", "_code", "_end")
        .join(ward_units, left_on="_code", right_on="unit_code")
        .filter(
            pl.col("_end").is_null()
            | valid_at("_end")
        )
        .sort("_row", "valid_from", descending=[False, True])
        .group_by("_row", maintain_order=True)
        .agg(matched_ward_code=pl.col("_code").first())
    )
    rows = rows.join(by_code, on="_row", how="left", maintain_order="left")

    # Rows the code did not settle are matched by name; rows it did are checked against the
    # name and district written (only those that wrote one, and have a period).
    pending = rows.filter(pl.col("matched_ward_code").is_null())
    wrote_names = pl.col("ward_name").is_not_null() | pl.col("district_name").is_not_null()
    coded = rows.filter(pl.col("matched_ward_code").is_not_null() & pl.col("_end").is_not_null()
                        & wrote_names)
    resolved: list[dict] = []
    if pending.height or coded.height:
        hierarchy = _Hierarchy(units)
        columns = ("_row", "ward_code", "ward_name", "district_name", "_code", "_end")
        for row in pending.select(*columns).iter_rows(named=True):
            resolved.append({"_row": row["_row"], **_match_by_name(row, hierarchy)})
        for row in coded.select(*columns, "matched_ward_code").iter_rows(named=True):
            mismatch = _disagreement(row, hierarchy)
            if mismatch:
                resolved.append({"_row": row["_row"], **mismatch})
    by_name = pl.DataFrame(
        resolved,
        schema={"_row": pl.UInt32, **{k: v for k, v in MATCH_SCHEMA.items() if k != "file_hash"}},
    )
    return (
        rows.select("_row", "file_hash", "matched_ward_code")
        .join(by_name, on="_row", how="left", maintain_order="left", suffix="_name")
        .select(
            "file_hash",
            pl.when(pl.col("match_error").is_null()).then(
                pl.coalesce("matched_ward_code", "matched_ward_code_name")
            ).alias("matched_ward_code"),
            "match_error",
            "candidates",
            "found",
            "by_code",
        )
        .cast(MATCH_SCHEMA)
    )


def name_key(text: str, prefix: re.Pattern[str] = _WARD_PREFIX) -> tuple[str, str, str | None]:
    """(exact key, diacritic-free key, prefix kind) of a unit name, its prefix removed.

    `P.01` -> ("1", "1", "phuong"); `Phường Phúc Xá` -> ("phúcxá", "phucxa", "phuong").
    """
    keys = _name_variants(text, prefix)
    return keys[0] if keys else ("", "", None)


# --- internals --------------------------------------------------------------------------------


def _clean_code(code: pl.Expr) -> pl.Expr:
    """Trim, drop a float's `.0` (`115.0`), left-pad digits to 5; blank -> null."""
    text = code.cast(pl.String).str.strip_chars().str.replace(r"\.0+$", "")
    padded = pl.when(text.str.contains(r"^\d{1,5}$")).then(text.str.zfill(5)).otherwise(text)
    return pl.when(text == "").then(None).otherwise(padded)


def _period_ends(periods: pl.Series) -> dict[str, date]:
    return {p: period_end(p) for p in periods.drop_nulls().unique() if is_period_id(p)}


@lru_cache(maxsize=2**16)  # the same names recur in every file and every era of the units
def _name_variants(text: str | None, prefix: re.Pattern[str]
                   ) -> tuple[tuple[str, str, str | None], ...]:
    """Keys of `text` with its prefix removed, then (if it had one) as written.

    Both are tried because a prefix-looking start can be part of the name (`Xa La`).
    """
    clean = normalize_text(text)
    if clean is None:
        return ()
    lower = unicodedata.normalize("NFC", clean.lower())
    plain = strip_diacritics(lower)
    # NFC Vietnamese keeps one character per letter once marks are stripped, so a prefix found
    # in `plain` can be cut from `lower` at the same place; if not, only the plain key is kept.
    aligned = len(plain) == len(lower)
    variants = []
    match = prefix.match(plain)
    if match:
        cut = match.end()
        kind = _WARD_KIND.get(match[1])
        variants.append(_keys(lower[cut:] if aligned else None, plain[cut:], kind))
    variants.append(_keys(lower if aligned else None, plain, None))
    return tuple(v for v in variants if v[1])


def _keys(lower: str | None, plain: str, kind: str | None) -> tuple[str, str, str | None]:
    folded = _squash(plain)
    return (_squash(lower) if lower is not None else folded, folded, kind)


def _squash(text: str) -> str:
    """Numbers by value (`01` = `1`), then drop spaces and punctuation."""
    return _NOT_WORD.sub("", _NUMBER.sub(lambda m: str(int(m[0])), text))


@dataclass(frozen=True)
class _Ward:
    code: str
    name: str
    parent_code: str
    kind: str | None
    exact: str
    folded: str
    valid_from: date
    valid_to: date | None

    def valid_on(self, day: date | None) -> bool:
        return day is None or (
            self.valid_from <= day and (self.valid_to is None or self.valid_to >= day)
        )


class _Hierarchy:
    """Name keys of every unit, computed once; an index per period end date, built on demand."""

    def __init__(self, units: pl.DataFrame) -> None:
        self.parent_names: dict[str, str] = {}
        # code -> (valid_from, folded key) of each of its names
        self.name_keys: dict[str, list[tuple[date, str]]] = {}
        self.wards: list[_Ward] = []
        self.districts: list[_Ward] = []
        for unit in units.sort("valid_from").iter_rows(named=True):
            if unit["level"] != "ward":
                self.parent_names[unit["unit_code"]] = unit["unit_name"]
            if unit["level"] == "city":
                continue
            is_ward = unit["level"] == "ward"
            prefix = _WARD_PREFIX if is_ward else _DISTRICT_PREFIX
            exact, folded, kind = name_key(unit["unit_name"], prefix)
            entry = _Ward(
                unit["unit_code"], unit["unit_name"], unit["parent_code"], kind,
                exact, folded, unit["valid_from"], unit["valid_to"],
            )  # fmt: skip
            (self.wards if is_ward else self.districts).append(entry)
            self.name_keys.setdefault(unit["unit_code"], []).extend(
                (unit["valid_from"], v[1]) for v in _name_variants(unit["unit_name"], prefix))
        self._indexes: dict[date | None, _Index] = {}

    def names_until(self, code: str, day: date) -> set[str]:
        """Folded keys of the names `code` had up to `day`: its name then and former ones (a
        later name may still be another ward's on `day`, as Thịnh Quang was in 2021)."""
        return {key for start, key in self.name_keys.get(code, []) if start <= day}

    def on(self, day: date | None) -> "_Index":
        if day not in self._indexes:
            self._indexes[day] = _Index(
                [w for w in self.wards if w.valid_on(day)],
                [d for d in self.districts if d.valid_on(day)],
                self.parent_names,
            )
        return self._indexes[day]


class _Index:
    """The wards and districts valid on one day, looked up by exact and by folded name key."""

    def __init__(
        self, wards: list[_Ward], districts: list[_Ward], parent_names: dict[str, str]
    ) -> None:
        self.wards = wards
        self.by_code: dict[str, _Ward] = {}  # a code names one unit on one day
        for ward in wards:
            self.by_code.setdefault(ward.code, ward)
        self.parent_names = parent_names
        self.ward_keys = (_group(wards, "exact"), _group(wards, "folded"))
        self.district_keys = (_group(districts, "exact"), _group(districts, "folded"))

    def districts_named(self, text: str | None) -> set[str]:
        return {d.code for d in _lookup(self.district_keys, _name_variants(text, _DISTRICT_PREFIX))}

    def label(self, ward: _Ward) -> str:
        parent = self.parent_names.get(ward.parent_code, ward.parent_code)
        return f"{ward.name} ({ward.code}, {parent})"


def _group(units: list[_Ward], attribute: str) -> dict[str, list[_Ward]]:
    groups: dict[str, list[_Ward]] = {}
    for unit in units:
        groups.setdefault(getattr(unit, attribute), []).append(unit)
    return groups


def _lookup(
    keys: tuple[dict[str, list[_Ward]], dict[str, list[_Ward]]],
    variants: tuple[tuple[str, str, str | None], ...],
    parents: set[str] | None = None,
) -> list[_Ward]:
    """Units whose name matches: exact keys of every variant first, then folded keys."""
    for table, position in ((keys[0], 0), (keys[1], 1)):
        for variant in variants:
            found = [
                u
                for u in table.get(variant[position], [])
                if not parents or u.parent_code in parents
            ]
            if found:
                return found
    return []


def _match_by_name(row: dict, hierarchy: _Hierarchy) -> dict:
    """matched_ward_code / match_error / candidates / found for a row the code did not settle."""
    name, code = normalize_text(row["ward_name"]), row["_code"]
    found = " / ".join(
        str(t).strip()
        for t in (row["ward_code"], row["ward_name"])
        if t is not None and str(t).strip()
    )
    if name is None:
        if code is None:
            return _result(error=WARD_MISSING)
        return _result(error=WARD_UNKNOWN, candidates="", found=found)
    index = hierarchy.on(row["_end"])
    parents = index.districts_named(row["district_name"]) or None
    variants = _name_variants(name, _WARD_PREFIX)
    matches = _unique_codes(_lookup(index.ward_keys, variants, parents))
    if len(matches) > 1:
        kind = next((v[2] for v in variants if v[2]), None)
        matches = [w for w in matches if w.kind == kind] or matches
    if code is not None:
        # A code was written but names no ward: never guess from the name (a wrong code is as
        # likely as a wrong name); the name's match is offered as the candidate instead.
        scope = [w for w in index.wards if not parents or w.parent_code in parents]
        offered = "; ".join(index.label(w) for w in matches[:MAX_CANDIDATES])
        return _result(error=WARD_UNKNOWN, candidates=offered or _closest(variants, scope, index),
                       found=found)
    if len(matches) == 1:
        return _result(code=matches[0].code)
    if matches:
        tied = sorted(matches, key=lambda w: w.code)[:MAX_TIED]
        return _result(
            error=WARD_AMBIGUOUS, candidates="; ".join(index.label(w) for w in tied), found=found
        )
    scope = [w for w in index.wards if not parents or w.parent_code in parents]
    return _result(error=WARD_UNKNOWN, candidates=_closest(variants, scope, index), found=found)


def _disagreement(row: dict, hierarchy: _Hierarchy) -> dict | None:
    """F_WARD_MISMATCH when the name or district written names another ward or district valid
    at the period's end than the one the code names; None when they agree (or name nothing)."""
    code, index = row["matched_ward_code"], hierarchy.on(row["_end"])
    ward = index.by_code[code]
    variants = _name_variants(row["ward_name"], _WARD_PREFIX)
    own_names = hierarchy.names_until(code, row["_end"])
    if variants and not any(v[1] in own_names for v in variants):
        parents = index.districts_named(row["district_name"]) or None
        others = [w for w in _unique_codes(_lookup(index.ward_keys, variants, parents))
                  if w.code != code]
        if others:
            return _mismatch(row, index, ward, others, row["ward_name"])
    districts = index.districts_named(row["district_name"])
    if districts and ward.parent_code not in districts:
        district_names = _name_variants(row["district_name"], _DISTRICT_PREFIX)
        former = hierarchy.names_until(ward.parent_code, row["_end"])
        if not any(v[1] in former for v in district_names):
            named = [index.parent_names.get(d, d) for d in sorted(districts)]
            return {**_mismatch(row, index, ward, [], row["district_name"]),
                    "candidates": "; ".join(named)}
    return None


def _mismatch(row: dict, index: "_Index", ward: _Ward, others: list[_Ward], written: str) -> dict:
    tied = sorted(others, key=lambda w: w.code)[:MAX_CANDIDATES]
    return {**_result(error=WARD_MISMATCH, candidates="; ".join(index.label(w) for w in tied),
                      found=str(written).strip()),
            "by_code": f"{index.label(ward)}"}


def _unique_codes(wards: list[_Ward]) -> list[_Ward]:
    """One entry per code (a code may have versions in several eras); the latest wins."""
    by_code: dict[str, _Ward] = {}
    for ward in wards:
        if ward.code not in by_code or ward.valid_from > by_code[ward.code].valid_from:
            by_code[ward.code] = ward
    return list(by_code.values())


def _closest(variants: tuple[tuple[str, str, str | None], ...], scope: list[_Ward],
             index: _Index) -> str:
    """Up to MAX_CANDIDATES wards whose folded names are closest to the name written."""
    if not variants or not scope:
        return ""
    choices = [w.folded for w in scope]
    best = process.extract(variants[0][1], choices, scorer=fuzz.WRatio, limit=MAX_CANDIDATES * 3)
    picked: list[_Ward] = []
    for _, _, position in best:
        ward = scope[position]
        if all(ward.code != p.code for p in picked):
            picked.append(ward)
    return "; ".join(index.label(w) for w in picked[:MAX_CANDIDATES])


def _result(
    code: str | None = None,
    error: str | None = None,
    candidates: str | None = None,
    found: str | None = None,
) -> dict:
    return {
        "matched_ward_code": code,
        "match_error": error,
        "candidates": candidates,
        "found": found,
        "by_code": None,
    }
