-- The schedule manager's fencing: every job_runs row carries the lease token it ran under,
-- so a reclaim can fail exactly the runs of a dead lease and a zombie's completion matches
-- nothing. Queued runs (run-now, retries of reclaimed runs) are picked up by the worker.
alter table job_runs add column lock_token uuid;
create index job_runs_lock_token_idx on job_runs (lock_token) where status = 'running';
create index job_runs_queued_idx on job_runs (id) where status = 'queued';
