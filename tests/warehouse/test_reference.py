"""Tests for warehouse/reference.py over the shipped reference files (and tiny ones in tmp_path)."""

from datetime import date, timedelta

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from transforms import schema
from warehouse import reference
from warehouse.reference import (
    load_clusters,
    load_crosswalk,
    load_indicators,
    load_rules,
    load_settings,
    load_units,
    units_valid_on,
)

DISTRICT_ERA_DAY = date(2021, 9, 30)
MERGER_DAY = date(2025, 1, 1)
AFTER_MERGER_DAY = date(2025, 3, 31)
REFORM_DAY = date(2025, 7, 1)
POST_REFORM_DAY = date(2025, 9, 30)

# SPEC §4 catalog order.
SPEC_INDICATOR_CODES = [
    "quy_vi_nguoi_ngheo",
    "chi_quy_vi_nguoi_ngheo",
    "chi_kham_chua_benh",
    "chi_ho_tro_hoc_tap",
    "quy_vi_bien_dao",
    "quy_den_on_dap_nghia",
    "quy_cuu_tro",
    "quy_phong_chong_dich",
    "song_may_tinh_cho_em",
    "nha_dai_doan_ket_xay_moi",
    "nha_dai_doan_ket_sua_chua",
    "ho_kho_khan_duoc_ho_tro",
    "gia_tri_ho_tro",
    "gao_ho_tro",
    "tuyen_truyen_cuoc",
    "tuyen_truyen_luot_nguoi",
    "hoi_cho_hang_viet",
    "giam_sat_cuoc",
    "phan_bien_xa_hoi_cuoc",
    "doi_thoai_cuoc",
    "tiep_xuc_cu_tri_cuoc",
    "kien_nghi_cu_tri",
    "ttnd_giam_sat_cuoc",
    "ttnd_vu_vi_pham",
    "ttnd_vu_kien_nghi",
    "ttnd_vu_da_giai_quyet",
    "gsdtcd_cong_trinh",
    "gsdtcd_vi_pham",
    "gsdtcd_da_khac_phuc",
    "tang_le_so_ca",
    "tang_le_hoa_tang",
    "ty_le_hoa_tang",
    "ho_gia_dinh",
    "ho_gia_dinh_van_hoa",
    "ty_le_gia_dinh_van_hoa",
    "uy_vien_uy_ban",
    "ban_cong_tac_mat_tran",
]


@pytest.fixture(autouse=True)
def shipped_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the shipped files whatever the caller's environment says."""
    monkeypatch.delenv("MTTQ_REFERENCE_DIR", raising=False)


@pytest.fixture(scope="module")
def all_units() -> pl.DataFrame:
    return load_units("all")


def count_by_level(units: pl.DataFrame) -> dict[str, int]:
    return dict(units.group_by("level").len().iter_rows())


def test_load_units_hanoi_district_era():
    on_day = units_valid_on(load_units("01"), DISTRICT_ERA_DAY)
    districts = on_day.filter(pl.col("level") == "district")
    wards = on_day.filter(pl.col("level") == "ward")

    assert count_by_level(on_day) == {"city": 1, "district": 30, "ward": 579}
    assert districts["parent_code"].unique().to_list() == ["01"]
    assert wards["parent_code"].is_in(districts["unit_code"].implode()).all()
    after = units_valid_on(load_units("01"), AFTER_MERGER_DAY)
    assert count_by_level(after) == {"city": 1, "district": 30, "ward": 526}


def wards_of(district_code: str, day: date, province: str = "01") -> dict[str, str]:
    on_day = units_valid_on(load_units(province), day)
    wards = on_day.filter((pl.col("level") == "ward") & (pl.col("parent_code") == district_code))
    return dict(wards.select("unit_code", "unit_name").iter_rows())


def test_dong_da_had_21_wards_until_the_2025_mergers_then_17():
    # Đống Đa's Q3 2021 conference report: "Chủ tịch Ủy ban MTTQ Việt Nam 21 phường".
    in_2021, in_2025 = wards_of("006", DISTRICT_ERA_DAY), wards_of("006", AFTER_MERGER_DAY)

    assert (len(in_2021), len(in_2025)) == (21, 17)
    assert {c: in_2021[c] for c in ("00184", "00211", "00220", "00223", "00235")} == {
        "00184": "Phường Quốc Tử Giám", "00211": "Phường Trung Phụng",
        "00220": "Phường Phương Liên", "00223": "Phường Thịnh Quang",
        "00235": "Phường Ngã Tư Sở"}
    assert set(in_2021) - set(in_2025) == {"00184", "00211", "00220", "00223"}
    # 00235 kept its code and took Thịnh Quang's name; 00181 took Quốc Tử Giám's.
    assert in_2025["00235"] == "Phường Thịnh Quang"
    assert in_2025["00181"] == "Phường Văn Miếu Quốc Tử Giám"


def test_quan_11_had_16_wards_in_2021_and_10_in_2025():
    assert len(wards_of("772", DISTRICT_ERA_DAY, "79")) == 16
    assert len(wards_of("772", AFTER_MERGER_DAY, "79")) == 10


def test_the_2025_mergers_map_each_gone_ward_into_the_ward_it_joined():
    mergers = load_crosswalk("01").filter(pl.col("effective_date") == MERGER_DAY)
    went_into = dict(mergers.select("old_code", "new_code").iter_rows())

    assert mergers.height == 579 - 526
    # Sourced from the package's former-name aliases (and Thịnh Quang's name, kept by 00235).
    assert {c: went_into[c] for c in ("00184", "00211", "00220", "00223")} == {
        "00184": "00181", "00211": "00202", "00220": "00226", "00223": "00235"}


def test_load_units_hanoi_after_reform():
    on_day = units_valid_on(load_units("01"), POST_REFORM_DAY)

    assert count_by_level(on_day) == {"city": 1, "ward": 126}
    assert on_day.filter(pl.col("level") == "ward")["parent_code"].unique().to_list() == ["01"]


def test_load_units_default_province_is_hanoi():
    assert load_settings()["province_code"] == "01"
    assert_frame_equal(load_units(), load_units("01"))


def test_load_units_schema_and_leading_zeros():
    units = load_units("01")

    assert units.schema == pl.Schema(schema.UNITS)
    row = units.filter((pl.col("unit_code") == "00001") & (pl.col("level") == "ward")).row(
        0, named=True
    )
    assert row == {
        "unit_code": "00001",
        "unit_name": "Phường Phúc Xá",
        "level": "ward",
        "parent_code": "001",
        "province_code": "01",
        "valid_from": date(2020, 1, 1),
        "valid_to": date(2025, 6, 30),
    }


def test_load_units_ward_code_reused_across_eras():
    units = load_units("01").filter(pl.col("unit_code") == "00004").sort("valid_from")

    assert units.select("unit_name", "parent_code").rows() == [
        ("Phường Trúc Bạch", "001"),
        ("Phường Ba Đình", "01"),
    ]


def test_load_units_key_is_unique(all_units: pl.DataFrame):
    assert not all_units.select("unit_code", "level", "valid_from").is_duplicated().any()


@pytest.mark.parametrize("day", [date(2020, 1, 1), DISTRICT_ERA_DAY, date(2024, 12, 31),
                                 MERGER_DAY, date(2025, 6, 30), REFORM_DAY, POST_REFORM_DAY])
def test_load_units_every_unit_has_its_parent_valid_the_same_day(all_units: pl.DataFrame,
                                                                  day: date):
    on_day = units_valid_on(all_units, day)
    children = on_day.filter(pl.col("level") != "city")
    parents = on_day.select(pl.col("unit_code").alias("parent_code")).unique()

    assert children.join(parents, on="parent_code", how="anti").is_empty()
    assert on_day.select("unit_code", "level").is_duplicated().sum() == 0  # one name a day


def test_load_units_city_has_no_parent(all_units: pl.DataFrame):
    cities = all_units.filter(pl.col("level") == "city")

    assert cities["parent_code"].is_null().all()
    assert (cities["unit_code"] == cities["province_code"]).all()


def test_load_units_hcmc():
    units = load_units("79")

    assert count_by_level(units_valid_on(units, DISTRICT_ERA_DAY)) == {
        "city": 1,
        "district": 22,
        "ward": 312,
    }
    assert count_by_level(units_valid_on(units, AFTER_MERGER_DAY)) == {
        "city": 1,
        "district": 22,
        "ward": 273,
    }
    assert count_by_level(units_valid_on(units, POST_REFORM_DAY)) == {"city": 1, "ward": 168}


def test_load_units_unknown_province():
    with pytest.raises(ValueError, match="unknown province_code '00'"):
        load_units("00")


def test_load_units_reads_override_dir_with_bom(tmp_path, monkeypatch: pytest.MonkeyPatch):
    # As if someone re-saved the file from Excel: BOM and CRLF.
    text = (
        "unit_code,unit_name,level,parent_code,province_code,valid_from,valid_to\r\n"
        "01,Thành phố Hà Nội,city,,01,2020-01-01,\r\n"
    )
    (tmp_path / "units.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    monkeypatch.setenv("MTTQ_REFERENCE_DIR", str(tmp_path))

    expected = pl.DataFrame(
        {
            "unit_code": ["01"],
            "unit_name": ["Thành phố Hà Nội"],
            "level": ["city"],
            "parent_code": [None],
            "province_code": ["01"],
            "valid_from": [date(2020, 1, 1)],
            "valid_to": [None],
        },
        schema=schema.UNITS,
    )
    assert_frame_equal(load_units("all"), expected)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 6, 30), ["old"]),  # valid_to is inclusive
        (date(2025, 7, 1), ["new"]),
        (date(2019, 12, 31), []),
    ],
)
def test_units_valid_on_boundaries(day: date, expected: list[str]):
    units = pl.DataFrame(
        {
            "unit_code": ["old", "new"],
            "valid_from": [date(2020, 1, 1), date(2025, 7, 1)],
            "valid_to": [date(2025, 6, 30), None],
        }
    )

    assert units_valid_on(units, day)["unit_code"].to_list() == expected


def test_load_crosswalk_codes_are_wards_of_the_right_era(all_units: pl.DataFrame):
    crosswalk = load_crosswalk("all")
    wards = all_units.filter(pl.col("level") == "ward")
    before = {day: set(units_valid_on(wards, day - timedelta(days=1))["unit_code"])
              for day in (MERGER_DAY, REFORM_DAY)}
    after = {day: set(units_valid_on(wards, day)["unit_code"]) for day in (MERGER_DAY, REFORM_DAY)}

    assert crosswalk.schema == pl.Schema(schema.CROSSWALK)
    assert set(crosswalk["effective_date"]) == {MERGER_DAY, REFORM_DAY}
    for old, new, day in crosswalk.select("old_code", "new_code", "effective_date").iter_rows():
        assert old in before[day] and new in after[day], (old, new, day)
    # The mergers map exactly the wards that disappeared that day.
    mergers = crosswalk.filter(pl.col("effective_date") == MERGER_DAY)
    assert set(mergers["old_code"]) == before[MERGER_DAY] - after[MERGER_DAY]


def test_load_crosswalk_one_default_per_old_ward(all_units: pl.DataFrame):
    crosswalk = load_crosswalk("all")
    old_wards = all_units.filter((pl.col("level") == "ward") & (pl.col("valid_to") < REFORM_DAY))

    defaults = crosswalk.filter("is_default")
    assert defaults.select("old_code", "effective_date").is_duplicated().sum() == 0
    assert set(defaults["old_code"]) == set(old_wards["unit_code"])


def test_load_crosswalk_hanoi_trucbach_goes_to_badinh():
    crosswalk = load_crosswalk("01")

    assert crosswalk.filter(pl.col("old_code") == "00004")["new_code"].to_list() == ["00004"]
    assert crosswalk["old_code"].n_unique() == 579


def test_load_clusters_cum_so_2():
    clusters = load_clusters()
    cum_2 = clusters.filter(pl.col("cluster_name") == "Cụm số 2")
    names = (
        load_units("01")
        .filter(pl.col("level") == "district")
        .join(cum_2, left_on="unit_code", right_on="district_code")["unit_name"]
    )

    assert clusters.schema == pl.Schema(schema.CLUSTERS)
    assert sorted(names) == sorted(
        [
            "Quận Hà Đông",
            "Quận Thanh Xuân",
            "Quận Cầu Giấy",
            "Quận Tây Hồ",
            "Quận Bắc Từ Liêm",
            "Quận Nam Từ Liêm",
        ]
    )
    assert not cum_2["is_sample"].any()


def test_load_clusters_partition_hanoi_districts():
    clusters = load_clusters()
    districts = load_units("01").filter(pl.col("level") == "district")["unit_code"]

    assert sorted(clusters["district_code"]) == sorted(districts)
    assert clusters.filter(pl.col("cluster_name") != "Cụm số 2")["is_sample"].all()
    assert sorted(clusters["cluster_name"].unique()) == [f"Cụm số {n}" for n in range(1, 6)]


def test_load_indicators_match_spec():
    indicators = load_indicators()

    assert indicators.schema == pl.Schema(schema.INDICATORS)
    assert indicators["indicator_code"].to_list() == SPEC_INDICATOR_CODES
    assert indicators["sort_order"].to_list() == list(range(1, 38))
    assert set(indicators["aggregation"]) == {"sum", "stock", "ratio"}


def test_load_indicators_ratios():
    ratios = load_indicators().filter(pl.col("aggregation") == "ratio")

    assert ratios.select(
        "indicator_code", "numerator_code", "denominator_code", "unit", "is_count"
    ).rows() == [
        ("ty_le_hoa_tang", "tang_le_hoa_tang", "tang_le_so_ca", "%", False),
        ("ty_le_gia_dinh_van_hoa", "ho_gia_dinh_van_hoa", "ho_gia_dinh", "%", False),
    ]


@pytest.mark.parametrize(
    ("code", "name", "unit", "is_count"),
    [
        ("quy_vi_nguoi_ngheo", 'Vận động Quỹ "Vì người nghèo"', "VND", False),
        ("gao_ho_tro", "Gạo hỗ trợ", "kg", False),
        ("kien_nghi_cu_tri", "Ý kiến, kiến nghị của cử tri", "ý kiến", True),
        ("gsdtcd_vi_pham", "Ban GSĐTCĐ: công trình vi phạm", "công trình", True),
        ("uy_vien_uy_ban", "Ủy viên Ủy ban MTTQ", "người", True),
    ],
)
def test_load_indicators_names_units_counts(code: str, name: str, unit: str, is_count: bool):
    row = load_indicators().filter(pl.col("indicator_code") == code).row(0, named=True)

    assert (row["indicator_name"], row["unit"], row["is_count"]) == (name, unit, is_count)


def test_load_rules_refer_to_catalog_codes():
    rules = load_rules()
    codes = set(load_indicators()["indicator_code"])
    used = {
        code
        for side in ("lhs_codes", "rhs_codes")
        for text in rules[side]
        for code in text.split("+")
    }

    assert rules.schema == pl.Schema(schema.RULES)
    assert rules.height == 7
    assert used <= codes
    assert set(rules["severity"]) == {"warning"}


def test_load_rules_messages_format():
    rule = (
        load_rules()
        .filter(pl.col("rule_code") == "R_TTND_GIAI_QUYET_LE_KIEN_NGHI")
        .row(0, named=True)
    )

    assert rule["message_vi"].format(lhs=5, rhs=3) == (
        "Ban TTND: số vụ đã được giải quyết (5) lớn hơn số vụ kiến nghị xử lý (3)."
    )


def test_load_settings_defaults():
    assert load_settings() == {"province_code": "01", "deadline_days": 10}


def test_reference_dir_default_is_shipped_folder():
    assert reference.reference_dir() == reference.DEFAULT_REFERENCE_DIR
