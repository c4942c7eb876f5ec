-- The findings of a set of files, in file order (sheet, row).
select file_hash, severity, finding_code, message_vi, message_en, sheet, "row", "column",
    found_text, indicator_code
from mart.findings
where list_contains(?, file_hash)
order by file_hash, "row" nulls first, finding_code
