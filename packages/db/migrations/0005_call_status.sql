-- The last status Twilio reported for a call attempt, so a late callback (a `ringing` after
-- `completed`) is recognised as older and never moves the attempt backwards.
alter table deliveries add column provider_status text;
-- Status callbacks and crash reconciliation look a call up by its CallSid.
create index deliveries_provider_ref_idx on deliveries (provider_ref) where channel = 'call';
