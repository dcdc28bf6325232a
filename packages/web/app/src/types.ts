/** The api's JSON (DESIGN §5), as far as the pages use it. */

export interface Me {
  id: string;
  email: string;
  name: string;
  phone_e164: string | null;
  /** Null until the person entered the code Nudge sent: only a verified number is called. */
  phone_verified_at: string | null;
  timezone: string;
  role: 'admin' | 'member';
  is_operator: boolean;
}

export type AlertState = 'scheduled' | 'notified' | 'escalated' | 'acknowledged' | 'cancelled' | 'expired' | 'failed';

export interface Meeting {
  id: string;
  title: string;
  starts_at: string;
  ends_at: string;
  status: string;
  self_response: string | null;
  conference_url: string | null;
  alert_id: string | null;
  alert_state: AlertState | null;
}

export interface Alert {
  id: string;
  title: string;
  starts_at: string;
  due_at: string;
  escalate_at: string | null;
  state: AlertState;
  acknowledged_at: string | null;
  acknowledged_via: string | null;
  timeline: { at: string; kind: string; detail: Record<string, unknown> }[];
}

export interface QuietHours {
  start: string;
  end: string;
  allow_accepted: boolean;
}

export interface RuleSettings {
  lead_seconds: number;
  escalate_after_seconds: number;
  max_call_attempts: number;
  call_retry_seconds: number;
  only_accepted: boolean;
  min_attendees: number;
  title_keywords: string[];
  quiet_hours: QuietHours | null;
  enabled: boolean;
}

export interface CalendarStatus {
  connected: boolean;
  revoked: boolean;
  revoked_reason: string | null;
  last_synced_at: string | null;
}

export interface Schedule {
  id: string;
  description: string | null;
  enabled: boolean;
  state: 'disabled' | 'idle' | 'running';
  cron: string;
  timezone: string;
  missed_policy?: string;
  next_run_at: string | null;
  last_run_at: string | null;
  last_status: string | null;
}

export interface JobRun {
  id: string;
  job_name: string;
  trigger: string;
  status: string;
  scheduled_for: string | null;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  created_at: string;
}

export interface Instance {
  instance_id: string;
  role: string;
  version: string;
  schedulers_enabled: boolean;
  started_at: string;
  last_beat_at: string;
  stale: boolean;
}

export interface PhoneVerification {
  id: string;
  phone_e164: string;
  channel: 'call' | 'sms';
  expires_at: string;
}

export interface AccessToken {
  id: string;
  name: string;
  prefix: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

export interface IssuedAccessToken extends AccessToken {
  /** Shown once. */
  token: string;
}
