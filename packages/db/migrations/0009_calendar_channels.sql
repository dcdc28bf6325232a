-- Google push notification channels (events.watch). A channel belongs to the credential it was
-- created with; its row outlives the credential (credential_id set null) so a disconnected
-- user's channel can still be stopped. Only a hash of the channel token is kept.
create table calendar_channels (
  id                   text primary key,
  user_id              uuid not null references users (id) on delete cascade,
  credential_id        uuid references calendar_credentials (id) on delete set null,
  resource_id          text not null,
  token_hash           text not null,
  expires_at           timestamptz not null,
  state                text not null check (state in ('live', 'replaced', 'stopped')),
  last_message_number  bigint,
  created_at           timestamptz not null default now(),
  stopped_at           timestamptz,
  stop_reason          text
);
-- At most one live channel per credential: two replicas renewing at once cannot both win.
create unique index calendar_channels_one_live_idx on calendar_channels (credential_id) where state = 'live';
create index calendar_channels_expiry_idx on calendar_channels (expires_at) where state = 'live';
create index calendar_channels_open_idx on calendar_channels (state) where state in ('live', 'replaced');

-- Channel creation refused or failed: retried after a backoff instead of every minute.
create table calendar_channel_failures (
  credential_id  uuid primary key references calendar_credentials (id) on delete cascade,
  failed_at      timestamptz not null,
  attempts       integer not null default 1,
  retry_at       timestamptz not null,
  reason         text not null
);

-- A targeted sync asked for by a notification: one row per credential, so a burst coalesces.
-- first_requested_at is the oldest notification the next sync answers (its latency is measured
-- from there); requested_at and notifications move with each new one, so a notification that
-- arrives during a sync leaves the row behind for another sync.
create table calendar_sync_requests (
  credential_id       uuid primary key references calendar_credentials (id) on delete cascade,
  first_requested_at  timestamptz not null,
  requested_at        timestamptz not null,
  notifications       integer not null default 1,
  claimed_at          timestamptz,
  claimed_by          text
);
create index calendar_sync_requests_claim_idx on calendar_sync_requests (requested_at);

-- The shared Google quota for deployments without Redis: one counter row per window key.
create unlogged table google_quota_windows (
  key         text primary key,
  count       integer not null,
  expires_at  timestamptz not null
);
