-- Verified phone numbers and the personal access token lifecycle.
--
-- A number is called for escalation only once its owner has proved they hold it. Numbers set
-- before this migration were never proved, so they start unverified: each person verifies once.
alter table users add column phone_verified_at timestamptz;

-- One row per code sent; the rows are also the per-user and per-number hourly counters. Only
-- keyed hashes (HMAC) of the code and of the number are stored: phone numbers stay in users.
create table phone_verifications (
  id            uuid primary key default gen_random_uuid(),
  user_id       uuid not null references users (id) on delete cascade,
  phone_hash    text not null,
  channel       text not null check (channel in ('call', 'sms')),
  code_hash     text not null,
  created_at    timestamptz not null default now(),
  expires_at    timestamptz not null,
  wrong_entries integer not null default 0,
  verified_at   timestamptz,
  provider_ref  text,
  failed_reason text
);
create index phone_verifications_user_idx on phone_verifications (user_id, created_at desc);
create index phone_verifications_phone_idx on phone_verifications (phone_hash, created_at desc);

-- Personal access tokens: an optional expiry and the first characters of the token, so people
-- can tell their tokens apart. Tokens issued before this migration keep working with no expiry
-- (nothing known to be leaked should break on upgrade) and show no prefix; rotate them with
-- `nudge-admin tokens rotate`.
alter table api_tokens add column expires_at timestamptz;
alter table api_tokens add column token_prefix text;
