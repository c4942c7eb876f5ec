"""Rebuild units.csv, unit_crosswalk.csv, clusters.csv and SOURCES.md from dated package releases.

The hierarchy as it was at each date comes from three snapshots, each read straight from a
release wheel on PyPI (fetched with `pip download` into a cache, checked against the sha256
pinned below, never imported):

- 2020-01-01 .. 2024-12-31: `vietnam-provinces==0.4.3`, `data/nested-divisions.json`;
- 2025-01-01 .. 2025-06-30: `vietnamadminunits==1.0.4`, table `admin_units_legacy`;
- from 2025-07-01 (no districts): `vietnamadminunits==1.0.4`, table `admin_units`.

Consecutive snapshots are diffed: a unit whose code, name and parent are unchanged is one row
across both; a changed name or parent (a renamed or re-parented ward, same code) starts a new row;
a ward code that disappears is mapped in the crosswalk to the ward it went into. The decisions
(boundary dates, why 0.6.0 is only a cross-check) are in warehouse/reference/README.md.
"""

import csv
import hashlib
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from datetime import date, timedelta
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parent.parent / "warehouse" / "reference"
CACHE_DIR = Path.home() / ".cache" / "mttq-reference"

# (package, version, sha256 of its py3-none-any wheel)
VIETNAM_PROVINCES = ("vietnam-provinces", "0.4.3",
                     "22be3c499998d29a457120a4be7a484c11570d3507f948f23e3418ad6c152e5f")
VIETNAM_PROVINCES_2025 = ("vietnam-provinces", "0.6.0",
                          "4b5772870efdcb7c58a64fbdc0e0c9ce497e67017a0c189dff99582ddadb7815")
ADMIN_UNITS = ("vietnamadminunits", "1.0.4",
               "737ee3662e877290386c1c45ed4d71f2e5fae34ab6fb9c64bfb4cb74b216ea35")

ERA_2021_FROM = "2020-01-01"
MERGER_2025 = "2025-01-01"  # Hà Nội's and Hồ Chí Minh's 2023-2025 arrangements took effect
REFORM_2025 = "2025-07-01"  # two-level local government (no districts)
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


def day_before(iso: str) -> str:
    return (date.fromisoformat(iso) - timedelta(days=1)).isoformat()


# --- sources ----------------------------------------------------------------------------------


def wheel(package: tuple[str, str, str]) -> Path:
    """The release wheel, from the cache or PyPI, checked against its pinned sha256."""
    name, version, digest = package
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    found = sorted(CACHE_DIR.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--only-binary", ":all:", f"{name}=={version}", "-d", str(CACHE_DIR)],
                       check=True)
        found = sorted(CACHE_DIR.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    actual = hashlib.sha256(found[0].read_bytes()).hexdigest()
    if actual != digest:
        raise SystemExit(f"{found[0]}: sha256 {actual}, expected {digest}")
    return found[0]


def read_member(package: tuple[str, str, str], member: str) -> bytes:
    with zipfile.ZipFile(wheel(package)) as archive:
        return archive.read(member)


def vietnam_provinces_snapshot(package: tuple[str, str, str]) -> list[dict]:
    """Provinces, districts and wards of a `vietnam-provinces` release, codes zero-padded."""
    nested = json.loads(read_member(package, "vietnam_provinces/data/nested-divisions.json"))
    rows = []
    for province in nested:
        p = f"{province['code']:02d}"
        rows.append(unit(p, province["name"], "city", "", p))
        for district in province["districts"]:
            d = f"{district['code']:03d}"
            rows.append(unit(d, district["name"], "district", p, p))
            for ward in district["wards"]:
                rows.append(unit(f"{ward['code']:05d}", ward["name"], "ward", d, p))
    return rows


def admin_units_db(directory: Path) -> sqlite3.Connection:
    path = directory / "dataset.db"
    path.write_bytes(read_member(ADMIN_UNITS, "vietnamadminunits/data/dataset.db"))
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def query(db: sqlite3.Connection, sql: str) -> list[tuple]:
    """All rows of `sql` (fixed queries only: no user input reaches them)."""
    return db.execute(sql).fetchall()


def legacy_snapshot(db: sqlite3.Connection) -> list[dict]:
    """The last district-era list (in force 2025-01-01 .. 2025-06-30)."""
    rows = [unit(c, n, "city", "", c) for c, n in
            query(db, "select distinct provinceCode, province from admin_units_legacy")]
    rows += [unit(c, n, "district", p, p) for c, n, p in query(
        db, "select distinct districtCode, district, provinceCode from admin_units_legacy")]
    # Island districts (e.g. Bạch Long Vĩ) have no wards: their rows carry a null wardCode.
    rows += [unit(c, n, "ward", d, p) for c, n, d, p in query(
        db, "select wardCode, ward, districtCode, provinceCode from admin_units_legacy"
            " where wardCode is not null")]
    return rows


def reform_snapshot(db: sqlite3.Connection) -> list[dict]:
    """Provinces and wards from 2025-07-01 (wards hang directly under the province)."""
    rows = [unit(c, n, "city", "", c) for c, n in
            query(db, "select distinct provinceCode, province from admin_units")]
    rows += [unit(c, n, "ward", p, p) for c, n, p in
             query(db, "select wardCode, ward, provinceCode from admin_units")]
    return rows


def unit(code: str, name: str, level: str, parent: str, province: str) -> dict:
    return {"unit_code": code, "unit_name": nfc(name), "level": level, "parent_code": parent,
            "province_code": province}


# --- the hierarchy over time ------------------------------------------------------------------


def build_units(snapshots: list[tuple[str, list[dict]]]) -> list[dict]:
    """One row per unit and validity interval from consecutive (valid_from, units) snapshots.

    A (code, level) whose name and parent are the same in the next snapshot continues its row;
    otherwise its row ends the day before and, if the code is still there, a new row starts.
    """
    rows: list[dict] = []
    open_rows: dict[tuple[str, str], dict] = {}
    for valid_from, snapshot in snapshots:
        current = {(u["unit_code"], u["level"]): u for u in snapshot}
        for key, row in list(open_rows.items()):
            same = key in current and all(
                current[key][f] == row[f] for f in ("unit_name", "parent_code", "province_code"))
            if not same:
                row["valid_to"] = day_before(valid_from)
                del open_rows[key]
        for key, u in current.items():
            if key not in open_rows:
                open_rows[key] = {**u, "valid_from": valid_from, "valid_to": ""}
                rows.append(open_rows[key])
    rows.sort(key=lambda r: (LEVEL_ORDER[r["level"]], r["valid_from"], r["unit_code"]))
    keys = [(r["unit_code"], r["level"], r["valid_from"]) for r in rows]
    assert len(keys) == len(set(keys)), "(unit_code, level, valid_from) must be unique"
    return rows


def name_key(name: str) -> str:
    """The packages' own key of a name: lower case, no diacritics, `đ` -> `d`, letters and
    digits only, numbers by value (`Phường 09` -> `phuong9`)."""
    text = unicodedata.normalize("NFD", name.lower().replace("đ", "d"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    text = re.sub(r"\d+", lambda m: str(int(m[0])), text)
    return re.sub(r"[^a-z0-9]", "", text)


def short_key(name: str) -> str:
    return name_key(re.sub(r"^(Phường|Xã|Thị trấn)\s+", "", name))


def merger_crosswalk(before: list[dict], after: list[dict], db: sqlite3.Connection,
                     ) -> tuple[list[dict], dict[str, int]]:
    """One row per ward of `before` whose code is gone from `after` (the 2025-01-01 mergers):
    the ward it went into, found, within its former district first, by

    1. `alias`: the package's `wardAlias` of the ward it went into lists its name
       (Khâm Thiên's alias `trungphung`);
    2. `name`: a ward that took its name, under another code (Thịnh Quang 00223 -> 00235);
    3. `nearest code`: else the ward with the closest code (GSO codes run along the map).
    Returns the rows and how many were decided each way.
    """
    old_wards = {u["unit_code"]: u for u in before if u["level"] == "ward"}
    new_wards = {u["unit_code"]: u for u in after if u["level"] == "ward"}
    aliases = {code: set(json.loads(alias or "[]")) for code, alias in query(
        db, "select wardCode, wardAlias from admin_units_legacy where wardCode is not null")}
    # Each surviving ward's district before the change (a ward may have moved district).
    former_district = {c: old_wards[c]["parent_code"] if c in old_wards else u["parent_code"]
                       for c, u in new_wards.items()}
    rows, methods = [], {"alias": 0, "name": 0, "nearest code": 0}
    for code in sorted(set(old_wards) - set(new_wards)):
        ward = old_wards[code]
        same_province = [u for u in new_wards.values()
                         if u["province_code"] == ward["province_code"]]
        same_district = [u for u in same_province
                         if former_district[u["unit_code"]] == ward["parent_code"]]
        method, target = went_into(ward, (same_district, same_province), aliases)
        methods[method] += 1
        rows.append({"old_code": code, "new_code": target, "effective_date": MERGER_2025,
                     "is_default": "true"})
    return rows, methods


def went_into(ward: dict, scopes: tuple[list[dict], list[dict]],
              aliases: dict[str, set[str]]) -> tuple[str, str]:
    """(method, code) of the ward `ward` went into: see merger_crosswalk."""
    keys = {name_key(ward["unit_name"]), short_key(ward["unit_name"])}
    tests = {
        "alias": lambda u: bool(keys & aliases.get(u["unit_code"], set())),
        "name": lambda u: short_key(u["unit_name"]) == short_key(ward["unit_name"]),
    }
    for method, test in tests.items():
        for scope in scopes:
            found = sorted(u["unit_code"] for u in scope if test(u))
            if found:
                return method, found[0]
    nearest = min(scopes[0] or scopes[1],
                  key=lambda u: (abs(int(u["unit_code"]) - int(ward["unit_code"])), u["unit_code"]))
    return "nearest code", nearest["unit_code"]


def reform_crosswalk(db: sqlite3.Connection) -> list[dict]:
    """One row per (district-era ward, post-2025 ward it went into), per the package's converter."""
    converter = json.loads(read_member(ADMIN_UNITS, "vietnamadminunits/data/converter_2025.json"))
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
            "effective_date": REFORM_2025,
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


def write_sources(path: Path, counts: dict[str, int], methods: dict[str, int],
                  check: dict[str, int]) -> None:
    """The releases and their hashes, the intervals and the crosswalk's decisions (no
    timestamp: rebuilds match)."""
    lines = [
        "# Sources of the generated reference files",
        "",
        "Generated by `scripts/build_reference.py`; do not edit units.csv, unit_crosswalk.csv or",
        "clusters.csv by hand. Each release wheel is read from PyPI, checked against this sha256:",
        "",
    ]
    for name, version, digest in (VIETNAM_PROVINCES, ADMIN_UNITS, VIETNAM_PROVINCES_2025):
        lines.append(f"- `{name}=={version}` (https://pypi.org/project/{name}/{version}/) "
                     f"wheel sha256 `{digest}`")
    lines += [
        "",
        "| interval | source | units |",
        "|---|---|---|",
        f"| {ERA_2021_FROM} .. {day_before(MERGER_2025)} | `vietnam-provinces=="
        f"{VIETNAM_PROVINCES[1]}` | {counts['2021']} |",
        f"| {MERGER_2025} .. {day_before(REFORM_2025)} | `vietnamadminunits=={ADMIN_UNITS[1]}`"
        f" `admin_units_legacy` | {counts['2025']} |",
        f"| {REFORM_2025} .. | `vietnamadminunits=={ADMIN_UNITS[1]}` `admin_units` |"
        f" {counts['reform']} |",
        "",
        "(units = provinces + districts + wards valid in the interval, whole country.)",
        "",
        f"Wards gone on {MERGER_2025}, mapped to the ward they went into: "
        + ", ".join(f"{n} by {m}" for m, n in methods.items()) + " (see merger_crosswalk).",
        "",
        f"Cross-check: `vietnam-provinces=={VIETNAM_PROVINCES_2025[1]}` (released 2025-01-04, "
        f"after the {MERGER_2025} mergers) and `admin_units_legacy` share "
        f"{check['shared']} ward codes; {check['only_0.6']} are only in 0.6.0, "
        f"{check['only_legacy']} only in admin_units_legacy, {check['renamed']} shared codes are "
        "spelt differently.",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def valid_count(rows: list[dict], day: str) -> int:
    return sum(r["valid_from"] <= day and (not r["valid_to"] or r["valid_to"] >= day)
               for r in rows)


def cross_check(legacy: list[dict]) -> dict[str, int]:
    """How vietnam-provinces 0.6.0 differs from the 2025 district-era list we use."""
    ours = {u["unit_code"]: u["unit_name"] for u in legacy if u["level"] == "ward"}
    theirs = {u["unit_code"]: u["unit_name"]
              for u in vietnam_provinces_snapshot(VIETNAM_PROVINCES_2025) if u["level"] == "ward"}
    shared = set(ours) & set(theirs)
    return {"shared": len(shared), "only_0.6": len(set(theirs) - set(ours)),
            "only_legacy": len(set(ours) - set(theirs)),
            "renamed": sum(ours[c] != theirs[c] for c in shared)}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = admin_units_db(Path(tmp))
        era_2021 = vietnam_provinces_snapshot(VIETNAM_PROVINCES)
        era_2025, reform = legacy_snapshot(db), reform_snapshot(db)
        units = build_units([(ERA_2021_FROM, era_2021), (MERGER_2025, era_2025),
                             (REFORM_2025, reform)])
        mergers, methods = merger_crosswalk(era_2021, era_2025, db)
        crosswalk = sorted(mergers + reform_crosswalk(db),
                           key=lambda r: (r["effective_date"], r["old_code"], r["new_code"]))
        outputs = {"units.csv": units, "unit_crosswalk.csv": crosswalk,
                   "clusters.csv": build_clusters(db)}
        check = cross_check(era_2025)
        db.close()
    for name, rows in outputs.items():
        write_csv(OUT_DIR / name, rows)
        print(f"{name}: {len(rows)} rows")
    counts = {"2021": valid_count(units, "2021-12-31"), "2025": valid_count(units, "2025-03-31"),
              "reform": valid_count(units, "2025-12-31")}
    write_sources(OUT_DIR / "SOURCES.md", counts, methods, check)


if __name__ == "__main__":
    main()
