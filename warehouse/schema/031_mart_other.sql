-- mart: completeness and findings.

create table if not exists mart.completeness (
    level varchar not null,
    unit_code varchar not null,
    unit_name varchar not null,
    period varchar not null,
    wards_expected integer not null,
    wards_received integer not null,
    wards_on_time integer not null,
    received_rate double,
    on_time_rate double
);
comment on table mart.completeness is 'Mức độ đầy đủ và đúng hạn: mỗi dòng một cấp, đơn vị và kỳ / Completeness and timeliness: one row per level, unit and period';
comment on column mart.completeness.level is 'Cấp: district, cluster, city / Level';
comment on column mart.completeness.unit_code is 'Mã đơn vị / Unit code';
comment on column mart.completeness.unit_name is 'Tên đơn vị / Unit name';
comment on column mart.completeness.period is 'Kỳ / Period';
comment on column mart.completeness.wards_expected is 'Số phường phải báo cáo / Wards expected';
comment on column mart.completeness.wards_received is 'Số phường đã gửi báo cáo hợp lệ / Wards whose report was received and accepted';
comment on column mart.completeness.wards_on_time is 'Số phường gửi đúng hạn / Wards that reported on time';
comment on column mart.completeness.received_rate is 'Tỷ lệ đã nhận (%) / Received rate, percent';
comment on column mart.completeness.on_time_rate is 'Tỷ lệ đúng hạn (%) / On-time rate, percent';

create table if not exists mart.findings (
    file_hash varchar,
    file_name varchar,
    severity varchar not null,
    finding_code varchar not null,
    message_vi varchar not null,
    message_en varchar not null,
    sheet varchar,
    "row" integer,
    "column" varchar,
    found_text varchar,
    ward_code varchar,
    period varchar,
    indicator_code varchar
);
comment on table mart.findings is 'Mọi lỗi, từ chối và phát hiện theo quy tắc: mỗi dòng một phát hiện / Every rejection, value error and rule finding: one row per finding';
comment on column mart.findings.file_hash is 'Tệp liên quan / File hash';
comment on column mart.findings.file_name is 'Tên tệp / File name';
comment on column mart.findings.severity is 'Mức độ: error (bị loại), warning (cần kiểm tra), info / Severity';
comment on column mart.findings.finding_code is 'Mã lỗi ổn định / Stable finding code';
comment on column mart.findings.message_vi is 'Nội dung (tiếng Việt) / Message in Vietnamese';
comment on column mart.findings.message_en is 'Nội dung (tiếng Anh) / Message in English';
comment on column mart.findings.sheet is 'Trang tính / Sheet';
comment on column mart.findings."row" is 'Dòng / Row';
comment on column mart.findings."column" is 'Cột / Column';
comment on column mart.findings.found_text is 'Nội dung tìm thấy / Text found';
comment on column mart.findings.ward_code is 'Mã phường/xã / Ward code';
comment on column mart.findings.period is 'Kỳ / Period';
comment on column mart.findings.indicator_code is 'Mã chỉ tiêu / Indicator code';
