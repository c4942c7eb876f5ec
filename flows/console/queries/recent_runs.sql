select run_id, flow_name, started_at, ended_at, status, flow_run_id, files_new, files_rejected,
    error_message
from ops.runs
order by started_at desc
limit 8
