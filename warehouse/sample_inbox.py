"""Generate a realistic, seeded sample inbox of ward reports (for `mttq demo`, tests, benchmarks).

Every ward of the chosen districts reports every quarter, mostly as the Excel template, some as
CSV or JSON, with plausible magnitudes that stay consistent per ward over time. A handful of
files carry what real inboxes carry: late arrival, a corrected resubmission, a half-year (H1)
report sent instead of Q2, a value typed as text the Vietnamese way, a bad value, template
drift, an exact duplicate, and files that must be rejected. Returns the truth the pipeline must
reproduce: every quarter value that should count, per ward and indicator.
"""

import json
import os
import random
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import polars as pl

from transforms.periods import period_end, period_label, split_period
from warehouse import reference
from warehouse.template import write_report_xlsx

# indicator -> (low, high, step) of a typical ward's quarterly figure, before its size factor
QUARTERLY_RANGES = {
    "quy_vi_nguoi_ngheo": (20e6, 400e6, 100_000),
    "quy_vi_bien_dao": (0, 50e6, 100_000),
    "quy_den_on_dap_nghia": (10e6, 150e6, 100_000),
    "quy_cuu_tro": (0, 80e6, 100_000),
    "quy_phong_chong_dich": (0, 200e6, 100_000),
    "song_may_tinh_cho_em": (0, 60e6, 100_000),
    "nha_dai_doan_ket_xay_moi": (0, 3, 1),
    "nha_dai_doan_ket_sua_chua": (0, 5, 1),
    "ho_kho_khan_duoc_ho_tro": (10, 300, 1),
    "gia_tri_ho_tro": (20e6, 500e6, 100_000),
    "gao_ho_tro": (0, 3000, 10),
    "tuyen_truyen_cuoc": (5, 40, 1),
    "tuyen_truyen_luot_nguoi": (200, 5000, 10),
    "hoi_cho_hang_viet": (0, 2, 1),
    "giam_sat_cuoc": (1, 15, 1),
    "phan_bien_xa_hoi_cuoc": (0, 3, 1),
    "doi_thoai_cuoc": (0, 3, 1),
    "tiep_xuc_cu_tri_cuoc": (1, 8, 1),
    "kien_nghi_cu_tri": (5, 120, 1),
    "ttnd_giam_sat_cuoc": (1, 10, 1),
    "ttnd_vu_vi_pham": (0, 4, 1),
    "gsdtcd_cong_trinh": (0, 6, 1),
    "tang_le_so_ca": (5, 60, 1),
}
DEADLINE_DAYS = 10
SPECIAL_CASES = 12  # ordinary xlsx files swapped for the cases below


@dataclass(frozen=True)
class PlannedFile:
    """One file to write: where, in which format, with which header and values."""

    relative_path: str
    file_format: str  # xlsx / csv / json / corrupt / other
    ward_code: str
    ward_name: str
    district_name: str
    period: str
    report_date: date
    received_at: datetime  # becomes the file's modification time
    values: dict[str, object]  # indicator code -> number or text as the ward typed it
    drift: str = ""  # which template drift this file carries
    counts: bool = True  # whether its values should reach the totals


def _rng(seed: int, *keys: object) -> random.Random:
    """A generator that depends only on the seed and the keys: order-independent output."""
    return random.Random(zlib.crc32(repr((seed, *keys)).encode()))


def _ward_quarter_values(seed: int, ward_code: str, quarter: str, is_rural: bool) -> dict:
    """Plausible, internally consistent quarterly figures for one ward."""
    size = _rng(seed, ward_code, "size").lognormvariate(0, 0.35)
    rng = _rng(seed, ward_code, quarter)
    year, kind = split_period(quarter)
    values: dict[str, float] = {}
    for code, (low, high, step) in QUARTERLY_RANGES.items():
        raw = rng.uniform(low, high) * (size if high > 100 else 1)
        values[code] = float(round(raw / step) * step)
    if year != 2021:
        values["quy_phong_chong_dich"] = 0.0
    if quarter not in ("2021-Q3", "2021-Q4"):
        values.pop("song_may_tinh_cho_em")
    chi = round(values["quy_vi_nguoi_ngheo"] * rng.uniform(0.3, 0.9), -5)
    values["chi_quy_vi_nguoi_ngheo"] = chi
    values["chi_kham_chua_benh"] = round(chi * rng.uniform(0.1, 0.4), -5)
    values["chi_ho_tro_hoc_tap"] = round(chi * rng.uniform(0.1, 0.4), -5)
    values["ttnd_vu_kien_nghi"] = float(rng.randint(0, int(values["ttnd_vu_vi_pham"])))
    values["ttnd_vu_da_giai_quyet"] = float(rng.randint(0, int(values["ttnd_vu_kien_nghi"])))
    values["gsdtcd_vi_pham"] = float(rng.randint(0, int(values["gsdtcd_cong_trinh"])))
    values["gsdtcd_da_khac_phuc"] = float(rng.randint(0, int(values["gsdtcd_vi_pham"])))
    cremation = rng.uniform(0.3, 0.7) if is_rural else rng.uniform(0.85, 1.0)
    values["tang_le_hoa_tang"] = float(round(values["tang_le_so_ca"] * cremation))
    # stocks drift slowly from a per-ward base
    base = _rng(seed, ward_code, "households").randint(2000, 12000)
    quarter_index = (year - 2021) * 4 + int(kind[1])
    households = base + 15 * quarter_index
    values["ho_gia_dinh"] = float(households)
    values["ho_gia_dinh_van_hoa"] = float(round(households * rng.uniform(0.85, 0.98)))
    values["uy_vien_uy_ban"] = float(_rng(seed, ward_code, "members").randint(25, 45))
    values["ban_cong_tac_mat_tran"] = float(_rng(seed, ward_code, "boards").randint(8, 30))
    return values


def vietnamese_text(value: float) -> str:
    """A figure the way a ward types it as text: `152.000.000`, `10,4 triệu`, `1.084`."""
    if value >= 1e9 and value % 1e8 == 0:
        return f"{value / 1e9:.1f}".replace(".", ",").replace(",0", "") + " tỷ đồng"
    if value >= 1e6 and value % 1e5 == 0:
        return f"{value / 1e6:.1f}".replace(".", ",").replace(",0", "") + " triệu"
    return f"{int(value):,}".replace(",", ".")


def district_era_wards(province_code: str = "01", district_codes: list[str] | None = None,
                       on: date = date(2021, 12, 31)) -> pl.DataFrame:
    """ward_code, ward_name, district_code, district_name, is_rural of one province."""
    units = reference.units_valid_on(reference.load_units(province_code), on)
    districts = units.filter(pl.col("level") == "district").select(
        pl.col("unit_code").alias("district_code"), pl.col("unit_name").alias("district_name"))
    wards = (
        units.filter(pl.col("level") == "ward")
        .join(districts, left_on="parent_code", right_on="district_code")
        .select(pl.col("unit_code").alias("ward_code"), pl.col("unit_name").alias("ward_name"),
                pl.col("parent_code").alias("district_code"), "district_name")
        .with_columns(pl.col("district_name").str.starts_with("Huyện").alias("is_rural"))
    )
    if district_codes is not None:
        wards = wards.filter(pl.col("district_code").is_in(district_codes))
    return wards.sort("ward_code")


def plan_inbox_as_it_was(quarters: list[str], province_code: str = "01",
                         district_codes: list[str] | None = None,
                         seed: int = 2021) -> list[PlannedFile]:
    """`plan_inbox` with each quarter's own wards: those valid at its end (Đống Đa has 21 in
    2021, 17 after the 2025-01-01 mergers), so `wards_expected` matches the reports'."""
    groups: dict[tuple[str, ...], tuple[pl.DataFrame, list[str]]] = {}
    for quarter in quarters:
        wards = district_era_wards(province_code, district_codes, on=period_end(quarter))
        groups.setdefault(tuple(wards["ward_code"]), (wards, []))[1].append(quarter)
    return [file for wards, group in groups.values()
            for file in plan_inbox(wards, group, seed=seed)]


def plan_inbox(
    wards: pl.DataFrame, quarters: list[str], seed: int = 2021, special_cases: bool = True
) -> list[PlannedFile]:
    """The files of a sample inbox. `wards` has ward_code, ward_name, district_name, is_rural."""
    planned: list[PlannedFile] = []
    for ward in wards.sort("ward_code").iter_rows(named=True):
        code, name, district = ward["ward_code"], ward["ward_name"], ward["district_name"]
        truth = {q: _ward_quarter_values(seed, code, q, ward["is_rural"]) for q in quarters}
        for quarter in quarters:
            rng = _rng(seed, code, quarter, "file")
            late = rng.random() < 0.03  # 3% arrive after the deadline
            delay = (rng.randint(DEADLINE_DAYS + 2, 30) if late
                     else rng.randint(1, DEADLINE_DAYS - 1))
            report_date = period_end(quarter) + timedelta(days=max(1, delay - 1))
            received = datetime.combine(period_end(quarter) + timedelta(days=delay), time(9, 30))
            draw = rng.random()
            file_format = "csv" if draw < 0.05 else "json" if draw < 0.10 else "xlsx"
            folder = f"{_slug(district)}/{quarter}"
            stem = f"BC_{quarter}_{_slug(name)}_{code}"
            planned.append(PlannedFile(
                f"{folder}/{stem}.{file_format}", file_format, code, name, district, quarter,
                report_date, received, dict(truth[quarter]),
            ))
    return _plant_special_cases(planned, seed) if special_cases else planned


def _plant_special_cases(planned: list[PlannedFile], seed: int) -> list[PlannedFile]:
    """Swap a few ordinary files for the cases a real inbox carries, deterministically."""
    rng = _rng(seed, "special")
    xlsx = [i for i, f in enumerate(planned) if f.file_format == "xlsx"]
    if len(xlsx) < SPECIAL_CASES:
        return planned  # too small an inbox to plant every case without overlaps
    picks = rng.sample(xlsx, k=SPECIAL_CASES)
    out = list(planned)

    def replace(index: int, **changes: object) -> PlannedFile:
        file = out[index]
        fields = {**file.__dict__, **changes}
        return PlannedFile(**fields)

    # values typed as Vietnamese text; template drift; a ward named but not coded
    out[picks[0]] = replace(picks[0], drift="text_values", values={
        k: vietnamese_text(v) for k, v in out[picks[0]].values.items()})
    out[picks[1]] = replace(picks[1], drift="rows_above_and_empty_first_sheet")
    out[picks[2]] = replace(picks[2], drift="name_without_code")
    # one bad value: dropped, the rest of the file counts
    bad = dict(out[picks[3]].values)
    bad["giam_sat_cuoc"] = "mười hai"
    out[picks[3]] = replace(picks[3], values=bad, drift="bad_value")
    # a resubmission: the first version (wrong figures) stays in the inbox, superseded
    first = out[picks[4]]
    wrong = {k: v * 2 for k, v in first.values.items()}
    out.append(replace(picks[4], relative_path=first.relative_path.replace(".xlsx", "_v1.xlsx"),
                       values=wrong, report_date=first.report_date - timedelta(days=3),
                       received_at=first.received_at - timedelta(days=3), counts=False,
                       drift="superseded_version"))
    out[picks[4]] = replace(picks[4], relative_path=first.relative_path.replace(
        ".xlsx", "_bo_sung.xlsx"), drift="resubmission")
    # a half-year report sent instead of Q2 (the pipeline derives Q2 = H1 - Q1)
    for index in picks[5:7]:
        _swap_for_half_year(out, index, planned)
    # an exact duplicate dropped in another folder
    out.append(replace(picks[7], relative_path="zalo/" + out[picks[7]].relative_path.split("/")[-1],
                       counts=False, drift="duplicate"))
    # files that must be rejected (and kept)
    reject = out[picks[8]]
    out.append(replace(picks[8], relative_path=f"loi/{reject.ward_code}_ma_sai.xlsx",
                       ward_code="99999", counts=False, drift="unknown_ward"))
    out.append(replace(picks[9], relative_path=f"loi/{reject.ward_code}_thieu_ky.xlsx",
                       period="", counts=False, drift="missing_period"))
    out.append(replace(picks[10], relative_path="loi/bao_cao_hong.xlsx", file_format="corrupt",
                       counts=False, drift="corrupt"))
    out.append(replace(picks[11], relative_path="loi/ghi_chu.docx", file_format="other",
                       counts=False, drift="unsupported_type"))
    return out


def _swap_for_half_year(out: list[PlannedFile], index: int, planned: list[PlannedFile]) -> None:
    file = out[index]
    year, kind = split_period(file.period)
    if kind != "Q2":
        return
    q1 = next((f for f in planned if f.ward_code == file.ward_code and f.period == f"{year}-Q1"),
              None)
    if q1 is None:
        return
    flows = {k: q1.values.get(k, 0) + v for k, v in file.values.items()
             if k in QUARTERLY_RANGES or k.startswith(("chi_", "ttnd_", "gsdtcd_", "tang_le"))}
    stocks = {k: v for k, v in file.values.items() if k not in flows}
    out[index] = PlannedFile(
        file.relative_path.replace(file.period, f"{year}-H1"), "xlsx", file.ward_code,
        file.ward_name, file.district_name, f"{year}-H1", file.report_date, file.received_at,
        {**flows, **stocks}, drift="half_year_instead_of_q2",
    )


def write_inbox(inbox: Path, planned: list[PlannedFile], indicators: pl.DataFrame) -> int:
    """Write the planned files under `inbox`, with their arrival time as modification time."""
    catalog = indicators.sort("sort_order").select(
        "indicator_code", "indicator_name", "unit").to_dicts()
    written: dict[str, Path] = {}
    for file in planned:
        path = inbox / file.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        if file.drift == "duplicate":
            original = next(p for key, p in written.items() if key == _key(file))
            path.write_bytes(original.read_bytes())
        else:
            _write_file(path, file, catalog)
            written.setdefault(_key(file), path)
        stamp = file.received_at.timestamp()
        os.utime(path, (stamp, stamp))
    return len(planned)


def _key(file: PlannedFile) -> str:
    return f"{file.ward_code}/{file.period}"


def _write_file(path: Path, file: PlannedFile, catalog: list[dict]) -> None:
    if file.file_format == "xlsx":
        header = {
            "ward_name": file.ward_name,
            "ward_code": "" if file.drift == "name_without_code" else file.ward_code,
            "district_name": file.district_name,
            "period_label": period_label(file.period) if file.period else None,
            "report_date": file.report_date,
            "author": "Văn phòng Ủy ban MTTQ",
        }
        drifted = file.drift == "rows_above_and_empty_first_sheet"
        write_report_xlsx(path, header, catalog, file.values,
                          rows_above=3 if drifted else 0, empty_first_sheet=drifted)
    elif file.file_format == "csv":
        lines = ["ma_don_vi,ky_bao_cao,ngay_lap,ma_chi_tieu,gia_tri"]
        lines += [f"{file.ward_code},{file.period},{file.report_date.isoformat()},{code},"
                  f"{_csv_number(value)}" for code, value in file.values.items()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    elif file.file_format == "json":
        document = {"ma_don_vi": file.ward_code, "ky_bao_cao": file.period,
                    "ngay_lap": file.report_date.isoformat(), "chi_tieu": file.values}
        path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    elif file.file_format == "corrupt":
        path.write_bytes(b"PK\x03\x04 this is not really a workbook" * 20)
    else:
        path.write_bytes(b"Ghi chu gui kem bao cao quy")


def _csv_number(value: object) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def truth_frame(planned: list[PlannedFile]) -> pl.DataFrame:
    """Quarter values the pipeline must end up with: ward_code, period, indicator_code, value.

    A half-year file stands for its Q2 (derived as H1 - Q1); a bad value is not in the truth.
    """
    rows = []
    by_key = {(f.ward_code, f.period): f for f in planned if f.counts}
    for file in planned:
        if not file.counts:
            continue
        period, values = file.period, file.values
        if file.drift == "half_year_instead_of_q2":
            year = split_period(period)[0]
            q1 = by_key[(file.ward_code, f"{year}-Q1")].values
            period = f"{year}-Q2"
            values = {k: (v - q1[k] if k in q1 and k not in STOCK_LIKE else v)
                      for k, v in values.items()}
        for code, value in values.items():
            if file.drift == "text_values" or not isinstance(value, int | float):
                value = _truth_number(value)
            if value is not None:
                rows.append((file.ward_code, period, code, float(value)))
    return pl.DataFrame(rows, schema=["ward_code", "period", "indicator_code", "value"],
                        orient="row")


STOCK_LIKE = {"ho_gia_dinh", "ho_gia_dinh_van_hoa", "uy_vien_uy_ban", "ban_cong_tac_mat_tran"}


def _truth_number(value: object) -> float | None:
    if isinstance(value, int | float):
        return float(value)
    text = str(value)
    scale = 1e9 if "tỷ" in text else 1e6 if "triệu" in text else 1
    number = text.replace(" tỷ đồng", "").replace(" triệu", "").replace(".", "").replace(",", ".")
    try:
        return float(number) * scale
    except ValueError:
        return None  # a deliberately bad value: dropped by the pipeline


def _slug(name: str) -> str:
    """ASCII file-name fragment: `Phường Phúc Xá` -> `Phuong_Phuc_Xa`."""
    text = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return "_".join("".join(c if c.isalnum() else " " for c in text).split())
