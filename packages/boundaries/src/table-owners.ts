/**
 * Which module owns the writes of each table: table → the path prefix (from the repository
 * root) of the one module allowed to insert into, update or delete from it. Reads may be
 * anywhere. A table not listed here has no declared owner yet: its writers are listed, not
 * checked. Add a table when its owner module exists.
 */
export const TABLE_OWNERS: Readonly<Record<string, string>> = {
  alerts: 'packages/alerts/',
  alert_events: 'packages/alerts/',
  deliveries: 'packages/alerts/',
  checkin_tokens: 'packages/alerts/',
  alert_rules: 'packages/alerts/src/rules.ts',
  push_subscriptions: 'packages/alerts/src/push-subscriptions.ts',
  processed_webhook_events: 'packages/alerts/src/webhook-events.ts',
  job_schedules: 'packages/schedules/src/schedule-store.ts',
  job_runs: 'packages/schedules/src/schedule-store.ts',
  calendar_credentials: 'packages/calendar/src/credential-store.ts',
  calendar_sync_state: 'packages/calendar/src/credential-store.ts',
  calendar_channels: 'packages/calendar/src/channel-store.ts',
  calendar_channel_failures: 'packages/calendar/src/channel-store.ts',
  calendar_sync_requests: 'packages/calendar/src/sync-requests.ts',
  google_quota_windows: 'packages/calendar/src/quota/postgres-quota-store.ts',
  meetings: 'services/worker/src/calendar/upsert-meetings.ts',
  sync_runs: 'services/worker/src/calendar/sync-runs.ts',
  users: 'services/api/src/orgs/users.ts',
  organizations: 'services/api/src/orgs/users.ts',
  api_tokens: 'services/api/src/auth/personal-access-tokens.ts',
  sessions: 'services/api/src/sessions/session-store.ts',
  invitations: 'services/api/src/invitations/invitations.ts',
  phone_verifications: 'services/api/src/phone/phone-verifications.ts',
  oauth_states: 'services/api/src/calendar/redeem-state.ts',
  service_heartbeats: 'packages/service/src/heartbeat.ts',
  ops_alerts: 'packages/service/src/ops/slack-ops-alerts.ts',
};
