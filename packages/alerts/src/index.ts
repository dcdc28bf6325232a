export { acknowledgeAlert, checkInWithToken, type AcknowledgeOutcome } from './acknowledge.js';
export { ALERT_COLUMNS, type AlertEventKind, type AlertRow } from './alert-row.js';
export {
  acknowledge,
  cancel,
  escalate,
  expire,
  fail,
  markNotified,
  scheduleCallRetry,
  skipEscalation,
  type TransitionOutcome,
} from './alert-transitions.js';
export {
  claimCallAttempt,
  knownCallSids,
  recordPlacedCall,
  recordRejectedCall,
  releaseCallAttempt,
  type AttemptClaim,
} from './call-attempts.js';
export {
  CALL_ROUTE_SCHEMAS,
  CALL_ROUTES,
  callUrls,
  gatherUrl,
  InvalidCallUrlError,
  MAX_ATTEMPT,
  parseAttempt,
  parseStatusCallbackQuery,
  type AttemptRef,
} from './call-contract.js';
export { applyCallStatus, type StatusCallback, type StatusOutcome } from './call-status.js';
export {
  deleteExpiredCheckinTokens,
  findCheckin,
  hashCheckinToken,
  issueCheckinToken,
  issueCheckinTokens,
  type CheckinView,
} from './checkin-tokens.js';
export type { CheckinTokens, ClaimedDelivery } from './claimed-delivery.js';
export { dueCallAttempts, type DueCallAttempt } from './due-call-attempts.js';
export { expireUnanswered } from './expire-unanswered.js';
export { dueAlertBacklog, notifyDueAlerts, type NotifyOptions, type NotifyRound } from './notify-due-alerts.js';
export { ALERTS_PLANNED_CHANNEL, planAlerts, planUpcomingForUser, type PlanResult } from './planner.js';
export {
  claimPushRetries,
  deleteFinishedDeliveries,
  holdPushesForQuarantine,
  keepPushDeliveriesHeld,
  nextPushWorkAt,
  pushGoneMessage,
  recordPushResults,
  releasePushDeliveries,
  summarizePushedAlerts,
  type PushResult,
  type PushRetry,
  type PushSummary,
  type RetryClaim,
} from './push-deliveries.js';
export {
  DEFAULT_RULE_SETTINGS,
  findRule,
  loadRule,
  ruleSpec,
  saveRule,
  type AlertRuleRow,
  type AlertRuleSettings,
} from './rules.js';
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
