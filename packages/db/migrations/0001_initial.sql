-- Every table of the first design. Each migration runs in one transaction.

create table organizations (
  id          uuid primary key default gen_random_uuid(),
  name        text not null check (length(name) between 1 and 200),
  created_at  timestamptz not null default now()
);

create table users (
  id           uuid primary key default gen_random_uuid(),
  org_id       uuid not null references organizations (id) on delete cascade,
  email        text not null unique check (email = lower(email) and email like '%_@_%'),
  name         text not null check (length(name) between 1 and 200),
  phone_e164   text check (phone_e164 ~ '^\+[1-9][0-9]{6,14}$'),
  timezone     text not null default 'UTC',
  role         text not null default 'member' check (role in ('admin', 'member')),
  is_operator  boolean not null default false,
  created_at   timestamptz not null default now()
);
create index users_org_id_idx on users (org_id);

create table api_tokens (
  id            uuid primary key default gen_random_uuid(),
  user_id       uuid not null references users (id) on delete cascade,
  token_hash    text not null unique,
  name          text not null default 'default',
  created_at    timestamptz not null default now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
create index api_tokens_user_id_idx on api_tokens (user_id);

create table calendar_credentials (
  id                 uuid primary key default gen_random_uuid(),
  user_id            uuid not null references users (id) on delete cascade,
  provider           text not null default 'google' check (provider in ('google')),
  refresh_token_enc  text not null,
  access_token_enc   text,
  expires_at         timestamptz,
  scopes             text[] not null default '{}',
  revoked            boolean not null default false,
  revoked_at         timestamptz,
  revoked_reason     text,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  unique (user_id, provider)
);
-- The sync's one question: which credentials are live.
create index calendar_credentials_live_idx on calendar_credentials (provider) where not revoked;

create table calendar_sync_state (
  credential_id      uuid not null references calendar_credentials (id) on delete cascade,
  calendar_id        text not null default 'primary',
  sync_token         text,
  last_full_sync_at  timestamptz,
  last_synced_at     timestamptz,
  primary key (credential_id, calendar_id)
);

create table sync_runs (
  id                 bigint generated always as identity primary key,
  user_id            uuid not null references users (id) on delete cascade,
  started_at         timestamptz not null default now(),
  finished_at        timestamptz,
  from_date          timestamptz,
  run_to_completion  boolean not null default false,
  created_count      integer not null default 0,
  updated_count      integer not null default 0,
  cancelled_count    integer not null default 0,
  skipped_count      integer not null default 0,
  pages              integer not null default 0,
  error              text
);
create index sync_runs_user_started_idx on sync_runs (user_id, started_at desc);
create index sync_runs_started_idx on sync_runs (started_at);

create table meetings (
  id                   uuid primary key default gen_random_uuid(),
  user_id              uuid not null references users (id) on delete cascade,
  provider             text not null default 'google',
  calendar_id          text not null default 'primary',
  external_id          text not null,
  title                text not null default '',
  starts_at            timestamptz not null,
  ends_at              timestamptz not null,
  status               text not null default 'confirmed' check (status in ('confirmed', 'cancelled')),
  self_response        text check (self_response in ('accepted', 'declined', 'tentative', 'needsAction')),
  -- Not in the first design's column list: the rule's minimum-attendees check needs it.
  attendee_count       integer not null default 0,
  conference_url       text,
  provider_updated_at  timestamptz,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  unique (user_id, provider, calendar_id, external_id),
  check (ends_at >= starts_at)
);
create index meetings_user_starts_idx on meetings (user_id, starts_at);

create table alert_rules (
  id                      uuid primary key default gen_random_uuid(),
  user_id                 uuid not null unique references users (id) on delete cascade,
  lead_seconds            integer not null default 600 check (lead_seconds between 60 and 86400),
  escalate_after_seconds  integer not null default 180 check (escalate_after_seconds between 30 and 86400),
  max_call_attempts       integer not null default 2 check (max_call_attempts between 0 and 10),
  call_retry_seconds      integer not null default 120 check (call_retry_seconds between 30 and 3600),
  only_accepted           boolean not null default true,
  min_attendees           integer not null default 0 check (min_attendees >= 0),
  title_keywords          text[] not null default '{}',
  -- {"start": "22:00", "end": "07:00", "alert_anyway": false}, in the user's timezone
  quiet_hours             jsonb,
  enabled                 boolean not null default true,
  created_at              timestamptz not null default now(),
  updated_at              timestamptz not null default now()
);

create table alerts (
  id                uuid primary key default gen_random_uuid(),
  user_id           uuid not null references users (id) on delete cascade,
  meeting_id        uuid not null references meetings (id) on delete cascade,
  rule_id           uuid not null references alert_rules (id) on delete cascade,
  due_at            timestamptz not null,
  escalate_at       timestamptz,
  state             text not null default 'scheduled'
                    check (state in ('scheduled', 'notified', 'escalated', 'acknowledged', 'cancelled', 'expired', 'failed')),
  acknowledged_at   timestamptz,
  acknowledged_via  text check (acknowledged_via in ('push', 'web', 'phone', 'api')),
  created_at        timestamptz not null default now(),
  updated_at        timestamptz not null default now(),
  unique (meeting_id, rule_id)
);
-- The dispatcher's claim and its "when is the next one due" question.
create index alerts_due_idx on alerts (due_at) where state = 'scheduled';
-- The escalation reconciler.
create index alerts_escalate_idx on alerts (escalate_at) where state in ('notified', 'escalated');
create index alerts_user_due_idx on alerts (user_id, due_at desc);

create table alert_events (
  id        bigint generated always as identity primary key,
  alert_id  uuid not null references alerts (id) on delete cascade,
  at        timestamptz not null default now(),
  kind      text not null,
  detail    jsonb not null default '{}'
);
create index alert_events_alert_idx on alert_events (alert_id, at, id);

create table push_subscriptions (
  id                   uuid primary key default gen_random_uuid(),
  user_id              uuid not null references users (id) on delete cascade,
  endpoint             text not null unique,
  p256dh               text not null,
  auth                 text not null,
  user_agent           text,
  is_active            boolean not null default true,
  created_at           timestamptz not null default now(),
  last_success_at      timestamptz,
  deactivated_at       timestamptz,
  deactivation_reason  text
);
-- Inactive subscriptions are never queried for delivery.
create index push_subscriptions_user_active_idx on push_subscriptions (user_id) where is_active;

create table deliveries (
  id               uuid primary key default gen_random_uuid(),
  alert_id         uuid not null references alerts (id) on delete cascade,
  channel          text not null check (channel in ('push', 'call')),
  -- The push subscription, or for a call the user called.
  target_id        uuid not null,
  -- Which attempt of the alert on this channel and target this row is (1, 2, …).
  attempt          integer not null default 1 check (attempt >= 1),
  status           text not null default 'pending'
                   check (status in ('pending', 'processing', 'completed', 'failed', 'dead_letter')),
  -- How many times this delivery was tried (retries after 429/5xx).
  attempts         integer not null default 0,
  last_attempt_at  timestamptz,
  completed_at     timestamptz,
  error_message    text,
  provider_ref     text,
  created_at       timestamptz not null default now(),
  unique (alert_id, channel, target_id, attempt)
);
create index deliveries_open_idx on deliveries (status, created_at) where status in ('pending', 'processing');
create index deliveries_created_idx on deliveries (created_at);

create table checkin_tokens (
  token_hash  text primary key,
  alert_id    uuid not null references alerts (id) on delete cascade,
  expires_at  timestamptz not null,
  used_at     timestamptz
);
create index checkin_tokens_alert_idx on checkin_tokens (alert_id);
create index checkin_tokens_expires_idx on checkin_tokens (expires_at);

create table processed_webhook_events (
  provider     text not null,
  event_id     text not null,
  received_at  timestamptz not null default now(),
  primary key (provider, event_id)
);
create index processed_webhook_events_received_idx on processed_webhook_events (received_at);

-- Schedules are defined in code; a row holds runtime state only.
create table job_schedules (
  id              text primary key,
  enabled         boolean not null,
  cron            text not null,
  timezone        text not null default 'UTC',
  missed_policy   text not null default 'skip' check (missed_policy in ('skip', 'once')),
  overlap_policy  text not null default 'skip' check (overlap_policy in ('skip', 'buffer_one')),
  next_run_at     timestamptz,
  last_run_at     timestamptz,
  last_status     text,
  locked_at       timestamptz,
  locked_by       text,
  lock_token      uuid,
  updated_at      timestamptz not null default now()
);
create index job_schedules_due_idx on job_schedules (next_run_at) where enabled;

create table job_runs (
  id             bigint generated always as identity primary key,
  job_name       text not null,
  schedule_id    text references job_schedules (id) on delete set null,
  trigger        text not null check (trigger in ('schedule', 'manual', 'dependency')),
  status         text not null check (status in ('queued', 'running', 'succeeded', 'failed', 'skipped')),
  scheduled_for  timestamptz,
  started_at     timestamptz,
  finished_at    timestamptz,
  worker_id      text,
  error          text,
  created_at     timestamptz not null default now()
);
create index job_runs_schedule_slot_idx on job_runs (schedule_id, scheduled_for desc);
create index job_runs_job_created_idx on job_runs (job_name, created_at desc);

create table service_heartbeats (
  instance_id         text primary key,
  role                text not null check (role in ('api', 'calls', 'worker')),
  version             text not null,
  schedulers_enabled  boolean not null,
  started_at          timestamptz not null,
  last_beat_at        timestamptz not null
);
