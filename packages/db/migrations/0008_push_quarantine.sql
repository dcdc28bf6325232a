-- An endpoint whose push service timed out is left alone until quarantined_until (a backoff
-- that doubles with each consecutive timeout), rather than retried at full rate.
alter table push_subscriptions add column consecutive_timeouts integer not null default 0;
alter table push_subscriptions add column quarantined_until timestamptz;
