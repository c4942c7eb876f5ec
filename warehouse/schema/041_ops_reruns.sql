-- ops: which run a re-run repeats (added after 040; existing state files gain the column).

alter table ops.runs add column if not exists rerun_of varchar;
comment on column ops.runs.rerun_of is 'Lần chạy được chạy lại (mttq rerun) / The run this one re-runs (mttq rerun)';
