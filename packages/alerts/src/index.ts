export { acknowledgeAlert, checkInWithToken, type AcknowledgeOutcome } from './acknowledge.js';
export { ALERT_COLUMNS, type AlertEventKind, type AlertRow } from './alert-row.js';
export { applyAlertEvent, recordAlertEvent, recordAlertEvents, type AlertChange } from './alert-transitions.js';
export { findCheckin, hashCheckinToken, issueCheckinToken, issueCheckinTokens, type CheckinView } from './checkin-tokens.js';
export { ALERTS_PLANNED_CHANNEL, planAlerts, planUpcomingForUser, type PlanResult } from './planner.js';
export { DEFAULT_RULE_SETTINGS, findRule, loadRule, ruleSpec, saveRule, type AlertRuleRow, type AlertRuleSettings } from './rules.js';
export {
  deactivateGone,
  deactivateRefused,
  lockSubscriptions,
  markPushSent,
  quarantineSubscriptions,
  registerSubscription,
  removeSubscription,
  replacedReason,
  type PushSubscriptionRow,
  type Quarantined,
  type Registered,
  type Registration,
  type SubscriptionView,
} from './push-subscriptions.js';
export {
  deleteWebhookEventsBefore,
  recordWebhookEvent,
  webhookEventInsert,
  type ProcessedWebhookEventRow,
} from './webhook-events.js';
export type { MeetingRow } from './meeting-row.js';
