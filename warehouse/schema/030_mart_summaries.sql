-- mart: what analysts query. Summaries share one shape at every level.

create table if not exists mart.district_summary (
    period varchar not null,
    level varchar not null,
    unit_code varchar not null,
    unit_name varchar not null,
    indicator_code varchar not null,
    indicator_name varchar not null,
    unit varchar not null,
    value double,
    wards_reporting integer not null,
    wards_expected integer not null
);
comment on table mart.district_summary is 'Tổng hợp cấp quận/huyện: mỗi dòng một quận/huyện, kỳ và chỉ tiêu / District summary: one row per district, period and indicator';
comment on column mart.district_summary.period is 'Kỳ (quý, 6 tháng H1/H2, 9 tháng 9M, năm Y) / Period';
comment on column mart.district_summary.level is 'Cấp tổng hợp / Level';
comment on column mart.district_summary.unit_code is 'Mã đơn vị / Unit code';
comment on column mart.district_summary.unit_name is 'Tên đơn vị / Unit name';
comment on column mart.district_summary.indicator_code is 'Mã chỉ tiêu / Indicator code';
comment on column mart.district_summary.indicator_name is 'Tên chỉ tiêu / Indicator name';
comment on column mart.district_summary.unit is 'Đơn vị tính / Unit';
comment on column mart.district_summary.value is 'Giá trị tổng hợp; trống khi không phường nào báo cáo / Aggregate value; null when no ward reported';
comment on column mart.district_summary.wards_reporting is 'Số phường có số liệu chỉ tiêu này / Wards with a value for this indicator and period';
comment on column mart.district_summary.wards_expected is 'Số phường phải báo cáo / Wards expected to report';

create table if not exists mart.cluster_summary (
    period varchar not null,
    level varchar not null,
    unit_code varchar not null,
    unit_name varchar not null,
    indicator_code varchar not null,
    indicator_name varchar not null,
    unit varchar not null,
    value double,
    wards_reporting integer not null,
    wards_expected integer not null
);
comment on table mart.cluster_summary is 'Tổng hợp cấp cụm thi đua: mỗi dòng một cụm thi đua, kỳ và chỉ tiêu / Cluster summary: one row per cluster, period and indicator';
comment on column mart.cluster_summary.period is 'Kỳ (quý, 6 tháng H1/H2, 9 tháng 9M, năm Y) / Period';
comment on column mart.cluster_summary.level is 'Cấp tổng hợp / Level';
comment on column mart.cluster_summary.unit_code is 'Mã đơn vị / Unit code';
comment on column mart.cluster_summary.unit_name is 'Tên đơn vị / Unit name';
comment on column mart.cluster_summary.indicator_code is 'Mã chỉ tiêu / Indicator code';
comment on column mart.cluster_summary.indicator_name is 'Tên chỉ tiêu / Indicator name';
comment on column mart.cluster_summary.unit is 'Đơn vị tính / Unit';
comment on column mart.cluster_summary.value is 'Giá trị tổng hợp; trống khi không phường nào báo cáo / Aggregate value; null when no ward reported';
comment on column mart.cluster_summary.wards_reporting is 'Số phường có số liệu chỉ tiêu này / Wards with a value for this indicator and period';
comment on column mart.cluster_summary.wards_expected is 'Số phường phải báo cáo / Wards expected to report';

create table if not exists mart.city_summary (
    period varchar not null,
    level varchar not null,
    unit_code varchar not null,
    unit_name varchar not null,
    indicator_code varchar not null,
    indicator_name varchar not null,
    unit varchar not null,
    value double,
    wards_reporting integer not null,
    wards_expected integer not null
);
comment on table mart.city_summary is 'Tổng hợp cấp thành phố: mỗi dòng một thành phố, kỳ và chỉ tiêu / City summary: one row per city, period and indicator';
comment on column mart.city_summary.period is 'Kỳ (quý, 6 tháng H1/H2, 9 tháng 9M, năm Y) / Period';
comment on column mart.city_summary.level is 'Cấp tổng hợp / Level';
comment on column mart.city_summary.unit_code is 'Mã đơn vị / Unit code';
comment on column mart.city_summary.unit_name is 'Tên đơn vị / Unit name';
comment on column mart.city_summary.indicator_code is 'Mã chỉ tiêu / Indicator code';
comment on column mart.city_summary.indicator_name is 'Tên chỉ tiêu / Indicator name';
comment on column mart.city_summary.unit is 'Đơn vị tính / Unit';
comment on column mart.city_summary.value is 'Giá trị tổng hợp; trống khi không phường nào báo cáo / Aggregate value; null when no ward reported';
comment on column mart.city_summary.wards_reporting is 'Số phường có số liệu chỉ tiêu này / Wards with a value for this indicator and period';
comment on column mart.city_summary.wards_expected is 'Số phường phải báo cáo / Wards expected to report';
