"""Rebuild units.csv, unit_crosswalk.csv, clusters.csv and SOURCES.md from `vietnamadminunits`."""

import csv
import hashlib
import json
import sqlite3
import unicodedata
from importlib import metadata
from pathlib import Path

import vietnamadminunits

PACKAGE = "vietnamadminunits"
PACKAGE_DATA = Path(vietnamadminunits.__file__).parent / "data"
OUT_DIR = Path(__file__).resolve().parent.parent / "warehouse" / "reference"

# The package holds one snapshot per era: the last district-era list (before the 2025 reform)
# and the post-2025-07-01 list. We apply the former to the whole district era we report on.
OLD_FROM, OLD_TO = "2020-01-01", "2025-06-30"
NEW_FROM = "2025-07-01"
LEVEL_ORDER = {"city": 0, "district": 1, "ward": 2}

# Policy data, not admin data: Hà Nội's clusters (cụm thi đua). Only Cụm số 2 is sourced
# (SPEC §3); the others are an illustrative partition of the remaining 24 districts.
CLUSTERS_PROVINCE = "01"
CLUSTERS = [
    (
        "01-CUM01",
        "Cụm số 1",
        True,
        ["Ba Đình", "Hoàn Kiếm", "Đống Đa", "Hai Bà Trưng", "Hoàng Mai", "Long Biên"],
    ),
    (
        "01-CUM02",
        "Cụm số 2",
        False,
        ["Hà Đông", "Thanh Xuân", "Cầu Giấy", "Tây Hồ", "Bắc Từ Liêm", "Nam Từ Liêm"],
    ),
    ("01-CUM03", "Cụm số 3", True, ["Sóc Sơn", "Đông Anh", "Mê Linh", "Gia Lâm", "Thanh Trì"]),
    (
        "01-CUM04",
        "Cụm số 4",
        True,
        ["Sơn Tây", "Ba Vì", "Phúc Thọ", "Đan Phượng", "Hoài Đức", "Quốc Oai", "Thạch Thất"],
    ),
    (
        "01-CUM05",
        "Cụm số 5",
        True,
        ["Chương Mỹ", "Thanh Oai", "Thường Tín", "Phú Xuyên", "Ứng Hòa", "Mỹ Đức"],
    ),
]


def nfc(text: str) -> str:
    """NFC-normalise, so names compare equal to what `standardize` produces."""
    return unicodedata.normalize("NFC", text)


def query(db: sqlite3.Connection, sql: str) -> list[tuple]:
    """All rows of `sql` (fixed queries only: no user input reaches them)."""
    return db.execute(sql).fetchall()


def build_units(db: sqlite3.Connection) -> list[dict]:
    """One row per unit and validity interval, both eras, whole country."""
    old_provinces = dict(
        query(db, "select distinct provinceCode, province from admin_units_legacy")
    )
    new_provinces = dict(query(db, "select distinct provinceCode, province from admin_units"))
    rows = []

    def add(
        code: str, name: str, level: str, parent: str, province: str, valid_from: str, valid_to: str
    ) -> None:
        rows.append(
            {
                "unit_code": code,
                "unit_name": nfc(name),
                "level": level,
                "parent_code": parent,
                "province_code": province,
                "valid_from": valid_from,
                "valid_to": valid_to,
            }
        )

    # A province whose code and name survive the reform (e.g. 01 Thành phố Hà Nội) is one row
    # for both eras, so a city-level roll-up keeps one key. Codes are reused by other provinces
    # (old 44 Quảng Bình vs new 44 Quảng Trị), so those get one row per era.
    for code, name in old_provinces.items():
        survives = new_provinces.get(code) == name
        add(code, name, "city", "", code, OLD_FROM, "" if survives else OLD_TO)
    for code, name in new_provinces.items():
        if old_provinces.get(code) != name:
            add(code, name, "city", "", code, NEW_FROM, "")

    for code, name, province in query(
        db, "select distinct districtCode, district, provinceCode from admin_units_legacy"
    ):
        add(code, name, "district", province, province, OLD_FROM, OLD_TO)
    # Island districts (e.g. Bạch Long Vĩ) have no wards: their rows carry a null wardCode.
    for code, name, district, province in query(
        db,
        "select wardCode, ward, districtCode, provinceCode from admin_units_legacy"
        " where wardCode is not null",
    ):
        add(code, name, "ward", district, province, OLD_FROM, OLD_TO)
    for code, name, province in query(db, "select wardCode, ward, provinceCode from admin_units"):
        add(code, name, "ward", province, province, NEW_FROM, "")

    rows.sort(key=lambda r: (LEVEL_ORDER[r["level"]], r["valid_from"], r["unit_code"]))
    keys = [(r["unit_code"], r["level"], r["valid_from"]) for r in rows]
    assert len(keys) == len(set(keys)), "(unit_code, level, valid_from) must be unique"
    return rows


def build_crosswalk(db: sqlite3.Connection) -> list[dict]:
    """One row per (district-era ward, post-2025 ward it went into), per the package's converter."""
    converter = json.loads((PACKAGE_DATA / "converter_2025.json").read_text(encoding="utf-8"))
    old_code = {
        f"{p}_{d}_{w}": code
        for p, d, w, code in query(
            db,
            "select provinceKey, districtKey, wardKey, wardCode from admin_units_legacy"
            " where wardCode is not null",
        )
    }
    new_code = {
        (p, w): code
        for p, w, code in query(db, "select provinceKey, wardKey, wardCode from admin_units")
    }

    pairs: dict[tuple[str, str], bool] = {}
    # Whole wards that went into exactly one new ward: {new province: {new ward: [old keys]}}.
    for province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            for old_key in old_keys:
                if old_key in old_code:  # island districts appear as "<province>_<district>_"
                    pairs[(old_code[old_key], new_code[(province_key, ward_key)])] = True
    # Wards divided among several new wards:
    # {new province: {old key: [{newWardKey, isDefaultNewWard}]}}.
    for province_key, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, parts in divided.items():
            for part in parts:
                pair = (old_code[old_key], new_code[(province_key, part["newWardKey"])])
                pairs[pair] = pairs.get(pair, False) or bool(part["isDefaultNewWard"])

    rows = [
        {
            "old_code": old,
            "new_code": new,
            "effective_date": NEW_FROM,
            "is_default": str(default).lower(),
        }
        for (old, new), default in sorted(pairs.items())
    ]
    defaults: dict[str, int] = {}
    for row in rows:
        defaults[row["old_code"]] = defaults.get(row["old_code"], 0) + (row["is_default"] == "true")
    assert all(n == 1 for n in defaults.values()), (
        "each old ward needs exactly one default new ward"
    )
    return rows


def build_clusters(db: sqlite3.Connection) -> list[dict]:
    """One row per (cluster, member district); codes looked up by the district's short name."""
    district_code: dict[str, list[str]] = {}
    for code, short in query(
        db,
        f"select distinct districtCode, districtShort from admin_units_legacy"
        f" where provinceCode = '{CLUSTERS_PROVINCE}'",
    ):
        district_code.setdefault(nfc(short), []).append(code)
    rows, seen = [], set()
    for cluster_code, cluster_name, is_sample, members in CLUSTERS:
        for name in members:
            codes = district_code.get(nfc(name), [])
            assert len(codes) == 1, (
                f"district {name!r} matches {codes} in province {CLUSTERS_PROVINCE}"
            )
            seen.add(codes[0])
            rows.append(
                {
                    "cluster_code": cluster_code,
                    "cluster_name": cluster_name,
                    "district_code": codes[0],
                    "is_sample": str(is_sample).lower(),
                }
            )
    all_codes = {c for codes in district_code.values() for c in codes}
    assert seen == all_codes and len(rows) == len(all_codes), (
        "clusters must partition the districts"
    )
    return sorted(rows, key=lambda r: (r["cluster_code"], r["district_code"]))


def write_csv(path: Path, rows: list[dict]) -> None:
    # "\n" line endings and no BOM so the files diff cleanly and rebuild byte-identically.
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_sources(path: Path) -> None:
    """Record the package version and its data files' hashes (no timestamp: rebuilds match)."""
    lines = [
        "# Sources of the generated reference files",
        "",
        "Generated by `scripts/build_reference.py`; do not edit units.csv, unit_crosswalk.csv or",
        "clusters.csv by hand.",
        "",
        f"- package: `{PACKAGE}=={metadata.version(PACKAGE)}` (https://pypi.org/project/{PACKAGE}/)",
    ]
    for name in ("dataset.db", "converter_2025.json"):
        digest = hashlib.sha256((PACKAGE_DATA / name).read_bytes()).hexdigest()
        lines.append(f"- `data/{name}` sha256 `{digest}`")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    db = sqlite3.connect(f"file:{PACKAGE_DATA / 'dataset.db'}?mode=ro", uri=True)
    outputs = {
        "units.csv": build_units(db),
        "unit_crosswalk.csv": build_crosswalk(db),
        "clusters.csv": build_clusters(db),
    }
    for name, rows in outputs.items():
        write_csv(OUT_DIR / name, rows)
        print(f"{name}: {len(rows)} rows")
    write_sources(OUT_DIR / "SOURCES.md")


if __name__ == "__main__":
    main()
