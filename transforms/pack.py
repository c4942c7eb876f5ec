"""The conference pack's tables (pure): what each sheet and paragraph shows, from mart frames.

Decisions:
- Indicators are grouped by theme in catalog order (THEMES); a catalog code no theme names
  goes to the last group, so a new indicator is shown, never dropped.
- A total is approximate ("trên") when any ward value in it is approximate, and marked derived
  when any is derived (Q2 = H1 − Q1): core.ward_values says which, per ward.
- Ward status marks: missing (no report), late (N days), accepted with errors (values dropped).
"""

import polars as pl

THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Quỹ và an sinh xã hội", (
        "quy_vi_nguoi_ngheo", "chi_quy_vi_nguoi_ngheo", "chi_kham_chua_benh",
        "chi_ho_tro_hoc_tap", "quy_vi_bien_dao", "quy_den_on_dap_nghia", "quy_cuu_tro",
        "quy_phong_chong_dich", "song_may_tinh_cho_em", "ho_kho_khan_duoc_ho_tro",
        "gia_tri_ho_tro", "gao_ho_tro")),
    ("Nhà đại đoàn kết", ("nha_dai_doan_ket_xay_moi", "nha_dai_doan_ket_sua_chua")),
    ("Tuyên truyền, vận động", ("tuyen_truyen_cuoc", "tuyen_truyen_luot_nguoi",
                                "hoi_cho_hang_viet")),
    ("Giám sát và phản biện xã hội", ("giam_sat_cuoc", "phan_bien_xa_hoi_cuoc",
                                      "doi_thoai_cuoc", "tiep_xuc_cu_tri_cuoc",
                                      "kien_nghi_cu_tri")),
    ("Ban Thanh tra nhân dân", ("ttnd_giam_sat_cuoc", "ttnd_vu_vi_pham", "ttnd_vu_kien_nghi",
                                "ttnd_vu_da_giai_quyet")),
    ("Ban Giám sát đầu tư của cộng đồng", ("gsdtcd_cong_trinh", "gsdtcd_vi_pham",
                                           "gsdtcd_da_khac_phuc")),
    ("Tang lễ, nếp sống văn minh", ("tang_le_so_ca", "tang_le_hoa_tang", "ty_le_hoa_tang",
                                    "ho_gia_dinh", "ho_gia_dinh_van_hoa",
                                    "ty_le_gia_dinh_van_hoa")),
    ("Tổ chức", ("uy_vien_uy_ban", "ban_cong_tac_mat_tran")),
)
OTHER_THEME = "Chỉ tiêu khác"

MISSING = "Chưa gửi"
MAX_LINKS = 40  # pack files linked from the run's summary artifact
LATE = "Trễ {days} ngày"
WITH_ERRORS = "Có {count} giá trị lỗi bị loại"


def indicator_groups(indicators: pl.DataFrame) -> list[tuple[str, list[dict]]]:
    """(theme, indicator rows in catalog order) for every theme with a catalog indicator."""
    rows = {row["indicator_code"]: row for row in indicators.sort("sort_order").iter_rows(
        named=True)}
    groups, placed = [], set()
    for theme, codes in THEMES:
        members = sorted((rows[c] for c in codes if c in rows), key=lambda r: r["sort_order"])
        placed.update(r["indicator_code"] for r in members)
        if members:
            groups.append((theme, members))
    rest = [row for code, row in rows.items() if code not in placed]
    if rest:
        groups.append((OTHER_THEME, rest))
    return groups


def total_flags(ward_values: pl.DataFrame, ward_completeness: pl.DataFrame) -> pl.DataFrame:
    """Per unit (district code, and the province code for the city) and indicator:
    is_approximate / is_derived when any ward value in its total is."""
    placed = ward_values.join(
        ward_completeness.select("period", "ward_code", "district_code", "province_code"),
        on=["period", "ward_code"], how="inner")
    flags = [pl.col("is_approximate").any(), pl.col("is_derived").any()]
    district = (placed.filter(pl.col("district_code").is_not_null())
                .group_by(pl.col("district_code").alias("unit_code"), "indicator_code")
                .agg(flags))
    city = (placed.group_by(pl.col("province_code").alias("unit_code"), "indicator_code")
            .agg(flags))
    return pl.concat([district, city])


def ward_status(row: dict) -> str:
    """What the status column says of one ward_completeness row ('' when all is well)."""
    if not row["is_received"]:
        return MISSING
    marks = []
    if not row["is_on_time"]:
        marks.append(LATE.format(days=row["days_late"]))
    if row["file_status"] == "accepted_with_errors":
        marks.append(WITH_ERRORS.format(count=row["values_dropped"] or 0))
    return "; ".join(marks)


def ward_rows(ward_values: pl.DataFrame, ward_completeness: pl.DataFrame,
              district_code: str) -> list[dict]:
    """One dict per ward of the district in official order: the completeness row, plus
    `values` (indicator -> value) and `approximate` / `derived` (sets of indicator codes)."""
    wards = ward_completeness.filter(pl.col("district_code") == district_code).sort("ward_order")
    values = ward_values.join(wards.select("ward_code"), on="ward_code", how="semi")
    by_ward: dict[str, dict] = {}
    for row in values.iter_rows(named=True):
        entry = by_ward.setdefault(row["ward_code"], {"values": {}, "approximate": set(),
                                                      "derived": set()})
        entry["values"][row["indicator_code"]] = row["value"]
        if row["is_approximate"]:
            entry["approximate"].add(row["indicator_code"])
        if row["is_derived"]:
            entry["derived"].add(row["indicator_code"])
    empty = {"values": {}, "approximate": set(), "derived": set()}
    return [{**row, **by_ward.get(row["ward_code"], empty), "status": ward_status(row)}
            for row in wards.iter_rows(named=True)]


SUMMARY_FIELDS = ("value", "wards_reporting", "wards_expected")  # what a pack shows of a row


def summary_lookup(summary: pl.DataFrame, period: str) -> dict[tuple[str, str], dict]:
    """(unit_code, indicator_code) -> the SUMMARY_FIELDS of its summary row of `period`."""
    rows = summary.filter(pl.col("period") == period)
    keys = zip(rows["unit_code"].to_list(), rows["indicator_code"].to_list(), strict=True)
    fields = [rows[name].to_list() for name in SUMMARY_FIELDS]
    return {key: dict(zip(SUMMARY_FIELDS, values, strict=True))
            for key, values in zip(keys, zip(*fields, strict=True), strict=True)}


def cluster_rankings(district_summary: pl.DataFrame, clusters: pl.DataFrame, period: str
                     ) -> dict[str, dict[str, list[dict]]]:
    """cluster_code -> indicator_code -> the cluster's districts ranked on it, highest first
    (no value: last), with their rank (ties share it); one pass over the summary for every
    cluster and indicator."""
    rows = (district_summary.filter(pl.col("period") == period)
            .join(clusters.select("cluster_code", pl.col("district_code").alias("unit_code")),
                  on="unit_code")
            .with_columns(pl.col("value").rank("min", descending=True)
                          .over("cluster_code", "indicator_code").cast(pl.Int32).alias("rank"))
            .sort("cluster_code", "indicator_code", "value", "unit_code",
                  descending=[False, False, True, False], nulls_last=True))
    ranked: dict[str, dict[str, list[dict]]] = {}
    for row in rows.iter_rows(named=True):
        ranked.setdefault(row["cluster_code"], {}).setdefault(row["indicator_code"], []).append(row)
    return ranked


def run_summary_markdown(result: dict, rejections: pl.DataFrame, completeness: pl.DataFrame,
                         period: str | None, pack_files: list[str]) -> str:
    """The run's markdown artifact: files, rejections, completeness, where the pack is."""
    lines = [f"# Lần chạy / Run {result['run_id']}", "",
             "| | số tệp / files |", "|---|---:|"]
    for label, key in (("Trong hộp thư / in the inbox", "files_seen"),
                       ("Mới / new", "files_new"), ("Hợp lệ / accepted", "files_accepted"),
                       ("Hợp lệ, có giá trị lỗi / accepted with errors", "files_with_errors"),
                       ("Bị từ chối / rejected", "files_rejected"),
                       ("Trùng lặp / duplicates", "files_duplicate")):
        lines.append(f"| {label} | {result.get(key, 0)} |")
    if not rejections.is_empty():
        lines += ["", "## Tệp bị từ chối / Rejected files", "",
                  "| tệp / file | mã / code | lý do | reason |", "|---|---|---|---|"]
        for row in rejections.iter_rows(named=True):
            cells = [row["file_name"], row["finding_code"], row["message_vi"], row["message_en"]]
            lines.append("| " + " | ".join(_markdown_cell(c) for c in cells) + " |")
    if period:
        lines += ["", f"## Mức độ đầy đủ / Completeness {period}", "",
                  "| đơn vị / unit | đã nhận / received | đúng hạn / on time |", "|---|---:|---:|"]
        for row in completeness.iter_rows(named=True):
            lines.append(f"| {_markdown_cell(row['unit_name'])} | {row['wards_received']}/"
                         f"{row['wards_expected']} | {row['wards_on_time']} |")
    lines += ["", "## Báo cáo hội nghị / Conference pack", ""]
    if result.get("pack_error"):
        lines.append(f"Không viết được / not written: {_markdown_cell(result['pack_error'])}")
    elif pack_files:
        lines.append(f"Thư mục / folder: `{result['reports']}`; kỳ viết lại / periods "
                     f"rewritten: {', '.join(result['pack_periods'])}")
        shown = [p for p in pack_files if p.endswith((".xlsx", ".docx"))][:MAX_LINKS]
        lines += [""] + [f"- [{_markdown_cell(p.rsplit('/', 2)[-2] + '/' + p.rsplit('/', 1)[-1])}]"
                         f"(file://{p.replace(' ', '%20')})" for p in shown]
        if len(pack_files) > len(shown):
            lines.append(f"- … {len(pack_files) - len(shown)} tệp khác / more files "
                         f"(.md and the rest) in `{result['reports']}`")
    else:
        lines.append(f"Không kỳ nào thay đổi / no period changed (`{result.get('reports')}`).")
    return "\n".join(lines) + "\n"


def _markdown_cell(value) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def completeness_table(completeness: pl.DataFrame) -> list[dict]:
    """The table artifact: one row per district (or the city) of the latest quarter."""
    return [{"period": r["period"], "unit_code": r["unit_code"], "unit_name": r["unit_name"],
             "wards_expected": r["wards_expected"], "wards_received": r["wards_received"],
             "wards_on_time": r["wards_on_time"], "received_rate": r["received_rate"],
             "on_time_rate": r["on_time_rate"]} for r in completeness.iter_rows(named=True)]
