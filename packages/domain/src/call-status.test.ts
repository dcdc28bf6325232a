import { describe, expect, it } from '@jest/globals';
import { advancesCall, decideAfterUnansweredCall, statusesBefore } from './call-status.js';

describe('call status', () => {
  it('a late ringing never overrides a final status, and a duplicate changes nothing', () => {
    expect(advancesCall(null, 'ringing')).toBe(true);
    expect(advancesCall('initiated', 'in-progress')).toBe(true);
    expect(advancesCall('completed', 'ringing')).toBe(false);
    expect(advancesCall('ringing', 'ringing')).toBe(false);
    expect(advancesCall('no-answer', 'completed')).toBe(false);
    expect(statusesBefore('ringing')).toEqual(['queued', 'initiated']);
  });

  const now = new Date('2026-03-02T09:00:00Z');
  const base = {
    status: 'no-answer' as const,
    maxAttempts: 2,
    retrySeconds: 120,
    meetingStartsAt: new Date('2026-03-02T09:10:00Z'),
    now,
  };

  it('an unanswered call is retried after the retry delay while attempts remain', () => {
    expect(decideAfterUnansweredCall({ ...base, attempt: 1 })).toEqual({
      kind: 'retry',
      at: new Date('2026-03-02T09:02:00Z'),
    });
  });

  it('the last attempt, or a retry that would ring after the start, fails the alert with the reason', () => {
    expect(decideAfterUnansweredCall({ ...base, attempt: 2 })).toMatchObject({
      kind: 'fail',
      reason: expect.stringContaining('no attempts left'),
    });
    expect(
      decideAfterUnansweredCall({ ...base, attempt: 1, meetingStartsAt: new Date('2026-03-02T09:01:00Z') }),
    ).toMatchObject({
      kind: 'fail',
      reason: expect.stringContaining('meeting starts before'),
    });
    expect(decideAfterUnansweredCall({ ...base, status: 'completed', attempt: 2 }).kind).toBe('fail');
  });
});
