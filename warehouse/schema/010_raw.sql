-- raw: every file as received, and what was read from it.

create table if not exists raw.files (
    file_hash varchar not null,
    original_path varchar not null,
    file_name varchar not null,
    size_bytes bigint not null,
    seen_at timestamp not null,
    received_at timestamp,
    file_format varchar not null,
    ingest_status varchar not null,
    status varchar not null,
    ward_code varchar,
    period varchar,
    report_date date,
    ward_name_as_written varchar,
    district_name_as_written varchar,
    author varchar,
    superseded_by varchar,
    run_id varchar,
    primary key (file_hash, original_path)
);
comment on table raw.files is 'Sổ theo dõi tệp: mỗi dòng một tệp đã thấy trong hộp thư đến / File ledger: one row per file seen in the inbox (content hash and path)';
comment on column raw.files.file_hash is 'Mã băm SHA-256 của nội dung, khóa lưu trữ / SHA-256 of the content, the archive key';
comment on column raw.files.original_path is 'Đường dẫn trong hộp thư đến khi thấy lần đầu / Path inside the inbox when first seen';
comment on column raw.files.file_name is 'Tên tệp / File name';
comment on column raw.files.size_bytes is 'Kích thước (byte) / Size in bytes';
comment on column raw.files.seen_at is 'Thời điểm lần chạy đầu tiên thấy tệp / When a run first saw the file';
comment on column raw.files.received_at is 'Thời điểm tệp được đưa vào hộp thư (ngày sửa đổi tệp), dùng để xét đúng hạn / When the file landed in the inbox (its modification time); decides timeliness';
comment on column raw.files.file_format is 'Định dạng: xlsx, csv, json, other / Format';
comment on column raw.files.ingest_status is 'Kết quả đọc và kiểm tra: accepted, accepted_with_errors, rejected, duplicate, skipped (tệp khóa Office, tệp hệ thống) / What reading and checking decided';
comment on column raw.files.status is 'Trạng thái: accepted, accepted_with_errors, rejected, duplicate, superseded, skipped / Status, superseded when a later report for the same ward and period won, skipped for an Office lock file or OS litter (recorded, never counted)';
comment on column raw.files.ward_code is 'Mã phường/xã đã xác định / Ward code identified';
comment on column raw.files.period is 'Kỳ báo cáo chuẩn (2021-Q3, 2022-H1...) / Canonical period id';
comment on column raw.files.report_date is 'Ngày lập báo cáo / Report date (Ngày lập)';
comment on column raw.files.ward_name_as_written is 'Tên đơn vị như phường ghi / Ward name as written';
comment on column raw.files.district_name_as_written is 'Quận/huyện như phường ghi / District name as written';
comment on column raw.files.author is 'Người lập / Author';
comment on column raw.files.superseded_by is 'Tệp thay thế (mã băm) nếu bị thay thế / Hash of the file that superseded this one';
comment on column raw.files.run_id is 'Lần chạy đầu tiên thấy tệp / Run that first saw the file';

create table if not exists raw.values (
    file_hash varchar not null,
    indicator_code varchar not null,
    value double not null,
    is_approximate boolean not null,
    sheet varchar,
    "row" integer,
    "column" varchar
);
comment on table raw.values is 'Giá trị sạch theo từng tệp: mỗi dòng một chỉ tiêu của một tệp / Clean values per file: one row per file and indicator';
comment on column raw.values.file_hash is 'Tệp nguồn / Source file hash';
comment on column raw.values.indicator_code is 'Mã chỉ tiêu / Indicator code';
comment on column raw.values.value is 'Giá trị theo đơn vị của chỉ tiêu / Value in the indicator''s unit';
comment on column raw.values.is_approximate is 'Số ước lượng (trên, gần, khoảng) / Approximate figure';
comment on column raw.values.sheet is 'Trang tính / Sheet';
comment on column raw.values."row" is 'Dòng trong tệp / Row in the file';
comment on column raw.values."column" is 'Cột trong tệp / Column in the file';

create table if not exists raw.findings (
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
comment on table raw.findings is 'Lỗi và ghi nhận khi đọc tệp: mỗi dòng một phát hiện / Findings made while reading files: one row per finding';
comment on column raw.findings.file_hash is 'Tệp liên quan / File hash';
comment on column raw.findings.file_name is 'Tên tệp / File name';
comment on column raw.findings.severity is 'Mức độ: error, warning, info / Severity';
comment on column raw.findings.finding_code is 'Mã lỗi ổn định / Stable finding code';
comment on column raw.findings.message_vi is 'Nội dung (tiếng Việt) / Message in Vietnamese';
comment on column raw.findings.message_en is 'Nội dung (tiếng Anh) / Message in English';
comment on column raw.findings.sheet is 'Trang tính / Sheet';
comment on column raw.findings."row" is 'Dòng / Row';
comment on column raw.findings."column" is 'Cột / Column';
comment on column raw.findings.found_text is 'Nội dung tìm thấy / Text found';
comment on column raw.findings.ward_code is 'Mã phường/xã / Ward code';
comment on column raw.findings.period is 'Kỳ báo cáo / Period';
comment on column raw.findings.indicator_code is 'Mã chỉ tiêu / Indicator code';
