-- People sign in with Google: a user is bound to the Google account (`sub`) that first signed
-- in with their verified email; a deactivated user can neither sign in nor be alerted.
alter table users add column google_sub text;
alter table users add constraint users_google_sub_key unique (google_sub);
alter table users add column deactivated_at timestamptz;

-- An organisation may admit everyone of its Google Workspace domain (the ID token's `hd`).
-- One organisation per domain, so a sign-in never has to choose.
alter table organizations add column google_workspace_domain text;
alter table organizations add constraint organizations_google_workspace_domain_key unique (google_workspace_domain);

-- Browser sessions: only a hash of the cookie's value is stored. A session ends at expires_at
-- (absolute) or when last_seen_at is older than the idle lifetime, whichever is first.
create table sessions (
  id            uuid primary key default gen_random_uuid(),
  id_hash       text not null unique,
  user_id       uuid not null references users (id) on delete cascade,
  created_at    timestamptz not null default now(),
  last_seen_at  timestamptz not null default now(),
  expires_at    timestamptz not null,
  user_agent    text
);
create index sessions_user_idx on sessions (user_id);
create index sessions_expires_idx on sessions (expires_at);

-- Invitations to an organisation, by email: single use, only the link's hash stored.
create table invitations (
  id           uuid primary key default gen_random_uuid(),
  org_id       uuid not null references organizations (id) on delete cascade,
  email        text not null,
  role         text not null check (role in ('admin', 'member')),
  token_hash   text not null unique,
  invited_by   uuid references users (id) on delete set null,
  created_at   timestamptz not null default now(),
  expires_at   timestamptz not null,
  accepted_at  timestamptz,
  accepted_by  uuid references users (id) on delete set null
);
create index invitations_org_idx on invitations (org_id, created_at desc);
