-- Files already received with the same content (by hash), for the drop page's answers.
select file_hash, file_name, original_path, status, received_at
from raw.files
where list_contains(?, file_hash)
order by received_at
