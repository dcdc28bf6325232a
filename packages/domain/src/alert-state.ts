/**
 * The alert lifecycle. An alert is planned (`scheduled`), pushed (`notified`), phoned
 * (`escalated`), and ends acknowledged, cancelled, expired or failed. The database enforces
 * these transitions by updating only rows whose state is one an event may leave from.
 */
export const ALERT_STATES = [
  'scheduled',
  'notified',
  'escalated',
  'acknowledged',
  'cancelled',
  'expired',
  'failed',
] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const ALERT_EVENTS = ['replan', 'notify', 'escalate', 'acknowledge', 'cancel', 'expire', 'fail'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** How an alert was acknowledged. */
export const ACKNOWLEDGED_VIA = ['push', 'web', 'phone', 'api'] as const;
export type AcknowledgedVia = (typeof ACKNOWLEDGED_VIA)[number];

const TARGET: Record<AlertEvent, AlertState> = {
  // The meeting moved: a planned alert takes the new due time and stays planned.
  replan: 'scheduled',
  notify: 'notified',
  escalate: 'escalated',
  acknowledge: 'acknowledged',
  cancel: 'cancelled',
  expire: 'expired',
  fail: 'failed',
};

/** The states each event may leave from. Terminal states leave to nothing. */
const LEGAL_FROM: Record<AlertEvent, readonly AlertState[]> = {
  // Once the push went out the alert keeps the time it was sent for.
  replan: ['scheduled'],
  notify: ['scheduled'],
  escalate: ['notified', 'escalated'],
  // Acknowledging before the push went out is fine: the user is aware.
  acknowledge: ['scheduled', 'notified', 'escalated'],
  cancel: ['scheduled', 'notified', 'escalated'],
  expire: ['scheduled', 'notified', 'escalated'],
  // Failure is about delivery: nothing has failed before anything was tried.
  fail: ['notified', 'escalated'],
};

export const TERMINAL_STATES: readonly AlertState[] = ['acknowledged', 'cancelled', 'expired', 'failed'];

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';

  constructor(
    readonly from: AlertState,
    readonly event: AlertEvent,
  ) {
    super(`an alert that is ${from} cannot ${event}`);
  }
}

export function isTerminal(state: AlertState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** The states `event` may be applied to: the `where state in (…)` of the update that applies it. */
export function statesFrom(event: AlertEvent): readonly AlertState[] {
  return LEGAL_FROM[event];
}

/** The state an event leads to. */
export function stateAfter(event: AlertEvent): AlertState {
  return TARGET[event];
}

/**
 * The states every one of `events` may be applied to: the `where` of a set-based update that
 * applies one or the other per row (the sweep that expires or fails alerts).
 */
export function statesFromAll(...events: readonly AlertEvent[]): readonly AlertState[] {
  return ALERT_STATES.filter((state) => events.every((event) => LEGAL_FROM[event].includes(state)));
}

/** Pushed and not answered yet: the states in which a push retry or a call may still reach the user. */
export const AWAITING_ANSWER_STATES: readonly AlertState[] = LEGAL_FROM.escalate;

export function isAwaitingAnswer(state: AlertState): boolean {
  return AWAITING_ANSWER_STATES.includes(state);
}

export function canApply(from: AlertState, event: AlertEvent): boolean {
  return LEGAL_FROM[event].includes(from);
}

/** The state after `event`, or an IllegalTransitionError. `escalate` on `escalated` is a further call attempt. */
export function nextState(from: AlertState, event: AlertEvent): AlertState {
  if (!canApply(from, event)) throw new IllegalTransitionError(from, event);
  return TARGET[event];
}
