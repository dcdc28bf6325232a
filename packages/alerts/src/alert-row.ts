import type { AcknowledgedVia, AlertState } from '@nudge/domain';

export interface AlertRow {
  id: string;
  user_id: string;
  meeting_id: string;
  rule_id: string;
  due_at: Date;
  escalate_at: Date | null;
  state: AlertState;
  acknowledged_at: Date | null;
  acknowledged_via: AcknowledgedVia | null;
  created_at: Date;
  updated_at: Date;
}

export const ALERT_COLUMNS = [
  'id',
  'user_id',
  'meeting_id',
  'rule_id',
  'due_at',
  'escalate_at',
  'state',
  'acknowledged_at',
  'acknowledged_via',
  'created_at',
  'updated_at',
] as const;

/** The timeline's entry kinds. */
export type AlertEventKind =
  | 'created'
  | 'replanned'
  | 'pushed'
  | 'notified'
  | 'escalated'
  | 'called'
  | 'call_status'
  | 'acknowledged'
  | 'cancelled'
  | 'expired'
  | 'failed'
  | 'escalation_skipped'
  | 'call_retry_scheduled';
