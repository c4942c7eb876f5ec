-- ops: run history and publishing bookkeeping.

create table if not exists ops.runs (
    run_id varchar not null primary key,
    flow_run_id varchar,
    flow_name varchar not null,
    parameters varchar,
    started_at timestamp not null,
    ended_at timestamp,
    status varchar not null,
    files_seen integer,
    files_new integer,
    files_accepted integer,
    files_with_errors integer,
    files_rejected integer,
    files_duplicate integer,
    files_superseded integer,
    error_message varchar
);
comment on table ops.runs is 'Lịch sử chạy: mỗi dòng một lần chạy / Run history: one row per flow run';
comment on column ops.runs.run_id is 'Mã lần chạy / Run id';
comment on column ops.runs.flow_run_id is 'Mã flow run của Prefect / Prefect flow run id';
comment on column ops.runs.flow_name is 'Tên flow: nightly, backfill / Flow name';
comment on column ops.runs.parameters is 'Tham số (JSON) / Parameters as JSON';
comment on column ops.runs.started_at is 'Bắt đầu / Started at';
comment on column ops.runs.ended_at is 'Kết thúc / Ended at';
comment on column ops.runs.status is 'Trạng thái: running, completed, failed / Status';
comment on column ops.runs.files_seen is 'Số tệp trong hộp thư / Files in the inbox';
comment on column ops.runs.files_new is 'Số tệp mới / New files';
comment on column ops.runs.files_accepted is 'Tệp mới được nhận / New files accepted';
comment on column ops.runs.files_with_errors is 'Tệp mới được nhận nhưng có giá trị lỗi / New files accepted with errors';
comment on column ops.runs.files_rejected is 'Tệp mới bị từ chối / New files rejected';
comment on column ops.runs.files_duplicate is 'Tệp mới trùng nội dung / New files that duplicate earlier ones';
comment on column ops.runs.files_superseded is 'Tệp bị thay thế bởi báo cáo mới hơn / Files superseded by newer reports';
comment on column ops.runs.error_message is 'Lỗi khi chạy thất bại / Error when the run failed';

create table if not exists ops.meta (
    key varchar not null primary key,
    value varchar not null
);
comment on table ops.meta is 'Thông tin kỹ thuật của lần công bố / Publishing bookkeeping: one row per key';
comment on column ops.meta.key is 'Khóa / Key';
comment on column ops.meta.value is 'Giá trị / Value';
