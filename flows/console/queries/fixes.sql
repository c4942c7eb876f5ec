-- Every rejected file and every dropped value, newest file first.
with

files as (
    select file_hash, file_name, original_path, received_at, status, ward_code, period,
        ward_name_as_written, district_name_as_written
    from raw.files
    where status in ('rejected', 'accepted_with_errors')
),

errors as (
    select file_hash, finding_code, message_vi, message_en, sheet, "row", "column",
        found_text, indicator_code
    from mart.findings
    where severity = 'error'
),

final as (
    select files.*, errors.* exclude (file_hash)
    from files
    inner join errors using (file_hash)
)

select * from final
order by received_at desc, file_name, file_hash, "row" nulls first, finding_code
