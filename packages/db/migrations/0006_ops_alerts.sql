-- Operator alerts (Slack): one row per condition key, so replicas send one message per incident.
create table ops_alerts (
  key               text primary key,
  message           text not null,
  raised_at         timestamptz not null,
  resolved_at       timestamptz,
  last_notified_at  timestamptz
);
create index ops_alerts_notified_idx on ops_alerts (last_notified_at);
