-- core: reference data and the clean ward values that count.

create table if not exists core.units (
    unit_code varchar not null,
    unit_name varchar not null,
    level varchar not null,
    parent_code varchar,
    province_code varchar,
    valid_from date not null,
    valid_to date
);
comment on table core.units is 'Danh mục đơn vị hành chính theo thời gian: mỗi dòng một đơn vị trong một khoảng hiệu lực / Administrative units over time: one row per unit and validity interval';
comment on column core.units.unit_code is 'Mã đơn vị (thành phố 2 số, quận 3 số, phường 5 số) / Unit code';
comment on column core.units.unit_name is 'Tên đơn vị / Unit name';
comment on column core.units.level is 'Cấp: city, district, ward / Level';
comment on column core.units.parent_code is 'Mã đơn vị cấp trên / Parent unit code';
comment on column core.units.province_code is 'Mã tỉnh/thành phố / Province code';
comment on column core.units.valid_from is 'Hiệu lực từ ngày / Valid from';
comment on column core.units.valid_to is 'Hiệu lực đến ngày (trống = còn hiệu lực) / Valid to, inclusive (null = still valid)';

create table if not exists core.unit_crosswalk (
    old_code varchar not null,
    new_code varchar not null,
    effective_date date not null,
    is_default boolean not null
);
comment on table core.unit_crosswalk is 'Bảng chuyển đổi mã phường cũ sang mới (sắp xếp 2025) / Crosswalk from old to new ward codes (2025 reorganisation)';
comment on column core.unit_crosswalk.old_code is 'Mã phường cũ / Old ward code';
comment on column core.unit_crosswalk.new_code is 'Mã phường mới / New ward code';
comment on column core.unit_crosswalk.effective_date is 'Ngày hiệu lực / Effective date';
comment on column core.unit_crosswalk.is_default is 'Phường mới nhận số liệu lịch sử khi phường cũ bị chia / New ward that takes the history when the old one was split';

create table if not exists core.clusters (
    cluster_code varchar not null,
    cluster_name varchar not null,
    district_code varchar not null,
    is_sample boolean not null
);
comment on table core.clusters is 'Cụm thi đua: mỗi dòng một quận thành viên / Emulation clusters: one row per member district';
comment on column core.clusters.cluster_code is 'Mã cụm / Cluster code';
comment on column core.clusters.cluster_name is 'Tên cụm / Cluster name';
comment on column core.clusters.district_code is 'Mã quận/huyện thành viên / Member district code';
comment on column core.clusters.is_sample is 'Dữ liệu mẫu, chưa có nguồn chính thức / Sample membership, not sourced';

create table if not exists core.indicators (
    indicator_code varchar not null primary key,
    indicator_name varchar not null,
    unit varchar not null,
    aggregation varchar not null,
    numerator_code varchar,
    denominator_code varchar,
    is_count boolean not null,
    sort_order integer not null
);
comment on table core.indicators is 'Danh mục chỉ tiêu: mỗi dòng một chỉ tiêu / Indicator catalog: one row per indicator';
comment on column core.indicators.indicator_code is 'Mã chỉ tiêu / Indicator code';
comment on column core.indicators.indicator_name is 'Tên chỉ tiêu / Indicator name (Vietnamese)';
comment on column core.indicators.unit is 'Đơn vị tính / Unit';
comment on column core.indicators.aggregation is 'Cách tổng hợp: sum (cộng), stock (số cuối kỳ), ratio (tỷ lệ tính lại) / Aggregation';
comment on column core.indicators.numerator_code is 'Tử số của tỷ lệ / Ratio numerator';
comment on column core.indicators.denominator_code is 'Mẫu số của tỷ lệ / Ratio denominator';
comment on column core.indicators.is_count is 'Phải là số nguyên / Must be a whole number';
comment on column core.indicators.sort_order is 'Thứ tự trong mẫu báo cáo / Order in the template';

create table if not exists core.ward_values (
    ward_code varchar not null,
    period varchar not null,
    indicator_code varchar not null,
    value double not null,
    is_approximate boolean not null,
    is_derived boolean not null,
    file_hash varchar
);
comment on table core.ward_values is 'Số liệu sạch của phường: mỗi dòng một phường, kỳ và chỉ tiêu / Clean ward values: one row per ward, period and indicator';
comment on column core.ward_values.ward_code is 'Mã phường/xã / Ward code';
comment on column core.ward_values.period is 'Kỳ (quý hoặc lũy kế H1, H2, 9M, Y) / Period';
comment on column core.ward_values.indicator_code is 'Mã chỉ tiêu / Indicator code';
comment on column core.ward_values.value is 'Giá trị / Value';
comment on column core.ward_values.is_approximate is 'Có phần là số ước lượng / Approximate in part';
comment on column core.ward_values.is_derived is 'Suy ra (vd. Quý II = 6 tháng − Quý I, hoặc lũy kế cộng từ các quý) / Derived, not reported as such';
comment on column core.ward_values.file_hash is 'Tệp nguồn / Source file hash';

create table if not exists core.ward_values_current (
    ward_code varchar not null,
    period varchar not null,
    indicator_code varchar not null,
    value double not null,
    is_approximate boolean not null,
    is_derived boolean not null
);
comment on table core.ward_values_current is 'Số liệu lịch sử quy đổi về phường hiện nay theo bảng chuyển đổi / History restated in today''s wards through the crosswalk: one row per current ward, period and indicator';
comment on column core.ward_values_current.ward_code is 'Mã phường hiện nay / Current ward code';
comment on column core.ward_values_current.period is 'Kỳ / Period';
comment on column core.ward_values_current.indicator_code is 'Mã chỉ tiêu / Indicator code';
comment on column core.ward_values_current.value is 'Giá trị / Value';
comment on column core.ward_values_current.is_approximate is 'Có phần là số ước lượng / Approximate in part';
comment on column core.ward_values_current.is_derived is 'Có phần được suy ra / Derived in part';
