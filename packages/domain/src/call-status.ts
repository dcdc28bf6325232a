/**
 * A phone call's status as Twilio reports it, and what an ended call means for its alert.
 * Status callbacks can arrive twice and out of order; ranks make applying them monotonic.
 */
export const CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

const RANK: Record<CallStatus, number> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  'in-progress': 3,
  // Every final status outranks every progress status; a call has exactly one of them.
  completed: 4,
  busy: 4,
  'no-answer': 4,
  failed: 4,
  canceled: 4,
};

export function isCallStatus(value: string): value is CallStatus {
  return (CALL_STATUSES as readonly string[]).includes(value);
}

export function isFinalCallStatus(status: CallStatus): boolean {
  return RANK[status] === 4;
}

/** Whether `next` moves a call on from `current` (null: nothing heard yet). Equal or older is ignored. */
export function advancesCall(current: CallStatus | null, next: CallStatus): boolean {
  return current === null || RANK[next] > RANK[current];
}

/** The statuses `next` moves a call on from: what a stored status must be for `next` to apply. */
export function statusesBefore(next: CallStatus): CallStatus[] {
  return CALL_STATUSES.filter((status) => RANK[status] < RANK[next]);
}

export type AfterCall = { kind: 'retry'; at: Date } | { kind: 'fail'; reason: string };

/**
 * What follows a call that ended without an acknowledgement: another attempt after the retry
 * delay while attempts remain and it can ring before the meeting starts, otherwise failure.
 */
export function decideAfterUnansweredCall(input: {
  status: CallStatus;
  attempt: number;
  maxAttempts: number;
  retrySeconds: number;
  meetingStartsAt: Date;
  now: Date;
}): AfterCall {
  const heard = input.status === 'completed' ? 'answered without acknowledging' : input.status;
  if (input.attempt >= input.maxAttempts) {
    return { kind: 'fail', reason: `call attempt ${input.attempt} of ${input.maxAttempts} ${heard}; no attempts left` };
  }
  const at = new Date(input.now.getTime() + input.retrySeconds * 1000);
  if (at >= input.meetingStartsAt) {
    return {
      kind: 'fail',
      reason: `call attempt ${input.attempt} ${heard}; the meeting starts before another attempt`,
    };
  }
  return { kind: 'retry', at };
}
