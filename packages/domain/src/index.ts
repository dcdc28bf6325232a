export {
  ACKNOWLEDGED_VIA,
  ALERT_EVENTS,
  ALERT_STATES,
  AWAITING_ANSWER_STATES,
  canApply,
  IllegalTransitionError,
  isAwaitingAnswer,
  isTerminal,
  nextState,
  stateAfter,
  statesFrom,
  statesFromAll,
  TERMINAL_STATES,
  type AcknowledgedVia,
  type AlertEvent,
  type AlertState,
} from './alert-state.js';
export {
  DELIVERY_CHANNELS,
  DELIVERY_STATUSES,
  deliveryStatusAfterCall,
  isOpenDelivery,
  OPEN_DELIVERY_STATUSES,
  type DeliveryChannel,
  type DeliveryStatus,
} from './delivery-status.js';
export { E164_PATTERN, isE164, isIanaTimeZone, normalizeEmail } from './contact.js';
export {
  decideAlert,
  HH_MM_PATTERN,
  isWithinQuietHours,
  localMinutes,
  type MeetingFacts,
  type QuietHours,
  type RuleDecision,
  type RuleSpec,
} from './rule-matching.js';
export { systemClock, type Clock } from './clock.js';
export {
  MAX_COUNTED_SLOTS,
  planDueSlot,
  spanOfDueSlots,
  type DueSlotPlan,
  type MissedPolicy,
  type OverlapPolicy,
  type SlotSpan,
} from './due-slot-plan.js';
export {
  defineSchedule,
  definitionTiming,
  dependencyWaves,
  ScheduleDefinitionError,
  timingExpression,
  validateDefinitions,
  type ScheduleDefinition,
} from './schedule-definition.js';
export { SCHEDULE_DEFINITIONS } from './schedule-definitions.js';
export {
  everyExpression,
  InvalidScheduleError,
  parseScheduleTiming,
  upcomingSlots,
  type ScheduleTiming,
} from './schedule-timing.js';
export {
  advancesCall,
  CALL_STATUSES,
  decideAfterUnansweredCall,
  isCallStatus,
  isFinalCallStatus,
  statusesBefore,
  type AfterCall,
  type CallStatus,
} from './call-status.js';
export { generateVapidKeys, type VapidKeys } from './vapid-keys.js';
export { normalizeEnteredCode, spokenCode, VerificationCodes } from './verification-code.js';
