-- mart: the reporting order of periods on every mart table with a period, and per-ward
-- completeness. Added columns come last, so that a state file made before them gets the same
-- layout as a new one (`add column if not exists`).

alter table mart.district_summary add column if not exists period_start date;
alter table mart.district_summary add column if not exists period_order integer;
comment on column mart.district_summary.period_start is 'Ngày đầu kỳ / First day of the period';
comment on column mart.district_summary.period_order is 'Thứ tự kỳ trong báo cáo (Q1, Q2, H1, Q3, 9M, Q4, H2, Y): năm × 10 + thứ tự / Reporting order of the period: year × 10 + place';

alter table mart.cluster_summary add column if not exists period_start date;
alter table mart.cluster_summary add column if not exists period_order integer;
comment on column mart.cluster_summary.period_start is 'Ngày đầu kỳ / First day of the period';
comment on column mart.cluster_summary.period_order is 'Thứ tự kỳ trong báo cáo (Q1, Q2, H1, Q3, 9M, Q4, H2, Y): năm × 10 + thứ tự / Reporting order of the period: year × 10 + place';

alter table mart.city_summary add column if not exists period_start date;
alter table mart.city_summary add column if not exists period_order integer;
comment on column mart.city_summary.period_start is 'Ngày đầu kỳ / First day of the period';
comment on column mart.city_summary.period_order is 'Thứ tự kỳ trong báo cáo (Q1, Q2, H1, Q3, 9M, Q4, H2, Y): năm × 10 + thứ tự / Reporting order of the period: year × 10 + place';

alter table mart.completeness add column if not exists period_start date;
alter table mart.completeness add column if not exists period_order integer;
comment on column mart.completeness.period_start is 'Ngày đầu kỳ / First day of the period';
comment on column mart.completeness.period_order is 'Thứ tự kỳ trong báo cáo (Q1, Q2, H1, Q3, 9M, Q4, H2, Y): năm × 10 + thứ tự / Reporting order of the period: year × 10 + place';

alter table mart.findings add column if not exists period_start date;
alter table mart.findings add column if not exists period_order integer;
comment on column mart.findings.period_start is 'Ngày đầu kỳ / First day of the period';
comment on column mart.findings.period_order is 'Thứ tự kỳ trong báo cáo (Q1, Q2, H1, Q3, 9M, Q4, H2, Y): năm × 10 + thứ tự / Reporting order of the period: year × 10 + place';

create table if not exists mart.ward_completeness (
    period varchar not null,
    period_start date not null,
    period_order integer not null,
    province_code varchar,
    district_code varchar,
    district_name varchar,
    ward_code varchar not null,
    ward_name varchar,
    ward_order integer not null,
    is_received boolean not null,
    is_on_time boolean not null,
    days_late integer,
    received_at timestamp,
    file_hash varchar,
    file_name varchar,
    file_status varchar,
    values_dropped integer
);
comment on table mart.ward_completeness is 'Tình hình gửi báo cáo từng phường: mỗi dòng một phường phải báo cáo trong một kỳ / Reporting status per ward: one row per ward expected in a period';
comment on column mart.ward_completeness.period is 'Kỳ / Period';
comment on column mart.ward_completeness.period_start is 'Ngày đầu kỳ / First day of the period';
comment on column mart.ward_completeness.period_order is 'Thứ tự kỳ trong báo cáo (Q1, Q2, H1, Q3, 9M, Q4, H2, Y): năm × 10 + thứ tự / Reporting order of the period: year × 10 + place';
comment on column mart.ward_completeness.province_code is 'Mã tỉnh/thành phố / Province code';
comment on column mart.ward_completeness.district_code is 'Mã quận/huyện; trống từ 01/7/2025 (phường trực thuộc tỉnh) / District code; null from 2025-07-01';
comment on column mart.ward_completeness.district_name is 'Tên quận/huyện / District name';
comment on column mart.ward_completeness.ward_code is 'Mã phường/xã / Ward code';
comment on column mart.ward_completeness.ward_name is 'Tên phường/xã / Ward name';
comment on column mart.ward_completeness.ward_order is 'Thứ tự phường trong quận (theo mã, thứ tự chính thức) / Order of the ward in its district (by code, the official order)';
comment on column mart.ward_completeness.is_received is 'Đã nhận đủ số liệu của kỳ / The ward''s figure for the period is whole';
comment on column mart.ward_completeness.is_on_time is 'Đúng hạn (sai khi chưa nhận) / On time (false when not received)';
comment on column mart.ward_completeness.days_late is 'Số ngày trễ hạn; 0 khi đúng hạn, trống khi chưa nhận / Days after the deadline; 0 when on time, null when not received';
comment on column mart.ward_completeness.received_at is 'Thời điểm có đủ số liệu (giờ Việt Nam) / When the figure became whole (local time)';
comment on column mart.ward_completeness.file_hash is 'Tệp được tính cho đúng kỳ này; trống khi số liệu ghép từ báo cáo khác / The report that counts for this very period; null when made from other reports';
comment on column mart.ward_completeness.file_name is 'Tên tệp được tính / Name of the file that counts';
comment on column mart.ward_completeness.file_status is 'Trạng thái tệp: accepted, accepted_with_errors / Status of that file';
comment on column mart.ward_completeness.values_dropped is 'Số giá trị bị loại của tệp (mã V_) / Values of that file dropped (V_ findings)';
