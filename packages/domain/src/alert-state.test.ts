import { describe, expect, it } from '@jest/globals';
import {
  ALERT_EVENTS,
  ALERT_STATES,
  AWAITING_ANSWER_STATES,
  canApply,
  IllegalTransitionError,
  isTerminal,
  nextState,
  statesFromAll,
  type AlertEvent,
  type AlertState,
} from './alert-state.js';

/** The whole lifecycle written out as a table: every (state, event) pair not listed is illegal. */
const LEGAL: Record<string, AlertState> = {
  'scheduled replan': 'scheduled',
  'scheduled notify': 'notified',
  'scheduled acknowledge': 'acknowledged',
  'scheduled cancel': 'cancelled',
  'scheduled expire': 'expired',
  'notified escalate': 'escalated',
  'notified acknowledge': 'acknowledged',
  'notified cancel': 'cancelled',
  'notified expire': 'expired',
  'notified fail': 'failed',
  'escalated escalate': 'escalated',
  'escalated acknowledge': 'acknowledged',
  'escalated cancel': 'cancelled',
  'escalated expire': 'expired',
  'escalated fail': 'failed',
};

const pairs = ALERT_STATES.flatMap((state) => ALERT_EVENTS.map((event) => [state, event] as [AlertState, AlertEvent]));

describe('alert state machine', () => {
  it.each(pairs.filter(([s, e]) => `${s} ${e}` in LEGAL))('%s --%s--> legal', (state, event) => {
    expect(canApply(state, event)).toBe(true);
    expect(nextState(state, event)).toBe(LEGAL[`${state} ${event}`]);
  });

  it.each(pairs.filter(([s, e]) => !(`${s} ${e}` in LEGAL)))('%s --%s--> illegal', (state, event) => {
    expect(canApply(state, event)).toBe(false);
    expect(() => nextState(state, event)).toThrow(IllegalTransitionError);
    expect(() => nextState(state, event)).toThrow(`an alert that is ${state} cannot ${event}`);
  });

  it('has four terminal states that no event leaves', () => {
    const terminal = ALERT_STATES.filter(isTerminal);
    expect(terminal).toEqual(['acknowledged', 'cancelled', 'expired', 'failed']);
    for (const state of terminal) for (const event of ALERT_EVENTS) expect(canApply(state, event)).toBe(false);
  });

  it('a sweep that expires or fails each alert touches only the states both events may leave', () => {
    expect(statesFromAll('expire', 'fail')).toEqual(['notified', 'escalated']);
    expect(statesFromAll('notify')).toEqual(['scheduled']);
  });

  it('an alert awaits an answer once pushed and until it ends', () => {
    expect(AWAITING_ANSWER_STATES).toEqual(['notified', 'escalated']);
  });
});
