-- OAuth `state` values already redeemed by the Google callback. The state itself is signed and
-- carries its user and expiry, so only the used ones are kept: a replay finds its nonce here.
-- Rows are useless after expires_at and are deleted then.
create table oauth_states (
  nonce       text primary key,
  user_id     uuid not null references users (id) on delete cascade,
  expires_at  timestamptz not null,
  used_at     timestamptz not null default now()
);
create index oauth_states_expires_idx on oauth_states (expires_at);
