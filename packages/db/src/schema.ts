import type { Sql } from './client.js';

/**
 * The columns Nudge's code queries, grouped by the migration that adds them. This is the one
 * declared list: schema verification, and the error that names the missing migration, read it.
 * A migration that adds a column the code uses adds an entry here.
 */
// Kept one table per line, as the migrations declare them.
// prettier-ignore
export const SCHEMA_BY_MIGRATION: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  '0001_initial': {
    organizations: ['id', 'name', 'created_at'],
    users: ['id', 'org_id', 'email', 'name', 'phone_e164', 'timezone', 'role', 'is_operator', 'created_at'],
    api_tokens: ['id', 'user_id', 'token_hash', 'name', 'created_at', 'last_used_at', 'revoked_at'],
    calendar_credentials: [
      'id', 'user_id', 'provider', 'refresh_token_enc', 'access_token_enc', 'expires_at', 'scopes',
      'revoked', 'revoked_at', 'revoked_reason', 'created_at', 'updated_at',
    ],
    calendar_sync_state: ['credential_id', 'calendar_id', 'sync_token', 'last_full_sync_at', 'last_synced_at'],
    sync_runs: [
      'id', 'user_id', 'started_at', 'finished_at', 'from_date', 'run_to_completion', 'created_count',
      'updated_count', 'cancelled_count', 'skipped_count', 'pages', 'error',
    ],
    meetings: [
      'id', 'user_id', 'provider', 'calendar_id', 'external_id', 'title', 'starts_at', 'ends_at', 'status',
      'self_response', 'attendee_count', 'conference_url', 'provider_updated_at', 'created_at', 'updated_at',
    ],
    alert_rules: [
      'id', 'user_id', 'lead_seconds', 'escalate_after_seconds', 'max_call_attempts', 'call_retry_seconds',
      'only_accepted', 'min_attendees', 'title_keywords', 'quiet_hours', 'enabled', 'created_at', 'updated_at',
    ],
    alerts: [
      'id', 'user_id', 'meeting_id', 'rule_id', 'due_at', 'escalate_at', 'state', 'acknowledged_at',
      'acknowledged_via', 'created_at', 'updated_at',
    ],
    alert_events: ['id', 'alert_id', 'at', 'kind', 'detail'],
    push_subscriptions: [
      'id', 'user_id', 'endpoint', 'p256dh', 'auth', 'user_agent', 'is_active', 'created_at',
      'last_success_at', 'deactivated_at', 'deactivation_reason',
    ],
    deliveries: [
      'id', 'alert_id', 'channel', 'target_id', 'attempt', 'status', 'attempts', 'last_attempt_at',
      'completed_at', 'error_message', 'provider_ref', 'created_at',
    ],
    checkin_tokens: ['token_hash', 'alert_id', 'expires_at', 'used_at'],
    processed_webhook_events: ['provider', 'event_id', 'received_at'],
    job_schedules: [
      'id', 'enabled', 'cron', 'timezone', 'missed_policy', 'overlap_policy', 'next_run_at', 'last_run_at',
      'last_status', 'locked_at', 'locked_by', 'lock_token', 'updated_at',
    ],
    job_runs: [
      'id', 'job_name', 'schedule_id', 'trigger', 'status', 'scheduled_for', 'started_at', 'finished_at',
      'worker_id', 'error', 'created_at',
    ],
    service_heartbeats: ['instance_id', 'role', 'version', 'schedulers_enabled', 'started_at', 'last_beat_at'],
  },
  '0002_job_run_leases': {
    job_runs: ['lock_token'],
  },
  '0003_delivery_retries': {
    deliveries: ['not_before'],
  },
  '0004_oauth_states': {
    oauth_states: ['nonce', 'user_id', 'expires_at', 'used_at'],
  },
  '0005_call_status': {
    deliveries: ['provider_status'],
  },
  '0006_ops_alerts': {
    ops_alerts: ['key', 'message', 'raised_at', 'resolved_at', 'last_notified_at'],
  },
  '0008_push_quarantine': {
    push_subscriptions: ['consecutive_timeouts', 'quarantined_until'],
  },
  '0009_calendar_channels': {
    calendar_channels: [
      'id', 'user_id', 'credential_id', 'resource_id', 'token_hash', 'expires_at', 'state', 'last_message_number',
      'created_at', 'stopped_at', 'stop_reason',
    ],
    calendar_channel_failures: ['credential_id', 'failed_at', 'attempts', 'retry_at', 'reason'],
    calendar_sync_requests: ['credential_id', 'first_requested_at', 'requested_at', 'notifications', 'claimed_at', 'claimed_by'],
    google_quota_windows: ['key', 'count', 'expires_at'],
  },
  '0010_accounts_sign_in': {
    users: ['google_sub', 'deactivated_at'],
    organizations: ['google_workspace_domain'],
    sessions: ['id', 'id_hash', 'user_id', 'created_at', 'last_seen_at', 'expires_at', 'user_agent'],
    invitations: ['id', 'org_id', 'email', 'role', 'token_hash', 'invited_by', 'created_at', 'expires_at', 'accepted_at', 'accepted_by'],
  },
  '0011_phone_verification_and_tokens': {
    users: ['phone_verified_at'],
    phone_verifications: [
      'id', 'user_id', 'phone_hash', 'channel', 'code_hash', 'created_at', 'expires_at', 'wrong_entries',
      'verified_at', 'provider_ref', 'failed_reason',
    ],
    api_tokens: ['expires_at', 'token_prefix'],
  },
};

export type SchemaRole = 'api' | 'calls' | 'worker';

/** The tables each role queries. */
// prettier-ignore
export const ROLE_TABLES: Readonly<Record<SchemaRole, readonly string[]>> = {
  api: [
    'organizations', 'users', 'api_tokens', 'calendar_credentials', 'calendar_sync_state', 'meetings',
    'alert_rules', 'alerts', 'alert_events', 'push_subscriptions', 'deliveries', 'checkin_tokens',
    'job_schedules', 'job_runs', 'service_heartbeats', 'oauth_states', 'sessions', 'invitations', 'phone_verifications',
    'calendar_channels', 'calendar_sync_requests', 'google_quota_windows',
  ],
  calls: ['users', 'meetings', 'alert_rules', 'alerts', 'alert_events', 'deliveries', 'processed_webhook_events', 'service_heartbeats', 'phone_verifications'],
  worker: [
    'users', 'calendar_credentials', 'calendar_sync_state', 'sync_runs', 'meetings', 'alert_rules', 'alerts',
    'alert_events', 'push_subscriptions', 'deliveries', 'checkin_tokens', 'processed_webhook_events',
    'job_schedules', 'job_runs', 'service_heartbeats', 'ops_alerts', 'calendar_channels', 'calendar_channel_failures',
    'calendar_sync_requests', 'google_quota_windows',
  ],
};

export interface MissingColumn {
  table: string;
  column: string;
  /** The migration that adds it. */
  migration: string;
}

/** The columns `role` needs that the database lacks; empty when the schema is good. */
export async function verifySchema(sql: Sql, role: SchemaRole): Promise<MissingColumn[]> {
  const tables = new Set(ROLE_TABLES[role]);
  const rows = await sql<{ table_name: string; column_name: string }[]>`
    select table_name, column_name
    from information_schema.columns
    where table_schema = current_schema() and table_name in ${sql([...tables])}`;
  const present = new Set(rows.map((row) => `${row.table_name}.${row.column_name}`));
  const missing: MissingColumn[] = [];
  for (const [migration, byTable] of Object.entries(SCHEMA_BY_MIGRATION)) {
    for (const [table, columns] of Object.entries(byTable)) {
      if (!tables.has(table)) continue;
      for (const column of columns) {
        if (!present.has(`${table}.${column}`)) missing.push({ table, column, migration });
      }
    }
  }
  return missing;
}
