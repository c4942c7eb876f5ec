-- Every file received for one ward and period, newest first.
select file_hash, file_name, original_path, received_at, status, report_date, author,
    superseded_by
from raw.files
where ward_code = ? and period = ?
order by received_at desc, file_name
