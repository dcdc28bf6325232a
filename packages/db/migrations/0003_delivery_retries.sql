-- A retry of a delivery is a new row (one row per attempt) that waits until not_before:
-- the Retry-After of a 429, or the backoff after a 5xx or a timeout.
alter table deliveries add column not_before timestamptz not null default now();
create index deliveries_pending_due_idx on deliveries (not_before) where status = 'pending';
create index deliveries_alert_idx on deliveries (alert_id);
-- Alerts by state over a window of due times (the worker's metrics).
create index alerts_due_at_idx on alerts (due_at);
