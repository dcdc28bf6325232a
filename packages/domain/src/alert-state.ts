/**
 * The alert lifecycle. An alert is planned (`scheduled`), pushed (`notified`), phoned
 * (`escalated`), and ends acknowledged, cancelled, expired or failed. The database enforces
 * these transitions by updating only rows whose state is one an event may leave from.
 */
export const ALERT_STATES = ['scheduled', 'notified', 'escalated', 'acknowledged', 'cancelled', 'expired', 'failed'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const ALERT_EVENTS = ['notify', 'escalate', 'acknowledge', 'cancel', 'expire', 'fail'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

const TARGET: Record<AlertEvent, AlertState> = {
  notify: 'notified',
  escalate: 'escalated',
  acknowledge: 'acknowledged',
  cancel: 'cancelled',
  expire: 'expired',
  fail: 'failed',
};

/** The states each event may leave from. Terminal states leave to nothing. */
const LEGAL_FROM: Record<AlertEvent, readonly AlertState[]> = {
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

export function canApply(from: AlertState, event: AlertEvent): boolean {
  return LEGAL_FROM[event].includes(from);
}

/** The state after `event`, or an IllegalTransitionError. `escalate` on `escalated` is a further call attempt. */
export function nextState(from: AlertState, event: AlertEvent): AlertState {
  if (!canApply(from, event)) throw new IllegalTransitionError(from, event);
  return TARGET[event];
}
