-- An email is unique within its organisation, not across the deployment: a global constraint let
-- any organisation's admin learn, from a 409, which addresses other organisations use. Nothing
-- looks a user up by email across organisations (API tokens identify callers).
alter table users drop constraint users_email_key;
alter table users add constraint users_org_email_key unique (org_id, email);
