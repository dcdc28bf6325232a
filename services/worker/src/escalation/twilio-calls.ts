import type { Logger } from '@nudge/logger';
import {
  BrokenCircuitError,
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleWhen,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel';
import type twilio from 'twilio';

/** Twilio refused the call for a reason retrying cannot fix (an invalid number, say). */
export class CallRejectedError extends Error {
  override readonly name = 'CallRejectedError';

  constructor(
    readonly status: number,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** Twilio could not be reached or kept failing; the attempt is retried later. */
export class TwilioUnavailableError extends Error {
  override readonly name = 'TwilioUnavailableError';
}

export interface CallRequest {
  to: string;
  from: string;
  url: string;
  statusCallback: string;
  ringTimeoutSeconds: number;
}

export interface TwilioCallsOptions {
  client: twilio.Twilio;
  logger: Logger;
  /** Consecutive 5xx/timeouts that open the circuit. */
  breakerThreshold?: number;
  breakerHalfOpenMs: number;
  /** Tries of one request on 5xx and 429, with bounded exponential backoff. */
  maxTries?: number;
  retryBaseMs?: number;
  /** Told when the breaker opens and closes (operator alerts, the breaker gauge). */
  onBreakerChange?: (open: boolean) => void;
}

export const DEFAULT_MAX_TRIES = 3;

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

/** 5xx, 429, timeouts and connection failures: Twilio may well answer the same request later. */
function isTransient(error: unknown): boolean {
  if (error instanceof BrokenCircuitError) return false;
  const status = statusOf(error);
  return status === undefined || status === 429 || status >= 500;
}

/**
 * The Calls resource behind a circuit breaker. A 4xx other than 429 is the caller's fault and
 * becomes a CallRejectedError at once; everything else is retried a few times, counts toward
 * the breaker, and ends as a TwilioUnavailableError while Twilio is away.
 */
export class TwilioCalls {
  private readonly policy: IPolicy;

  constructor(private readonly options: TwilioCallsOptions) {
    const breaker = circuitBreaker(handleWhen(isTransient), {
      halfOpenAfter: options.breakerHalfOpenMs,
      breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 3),
    });
    breaker.onBreak(() => {
      options.logger.warn({ event: 'escalation.breaker.opened' }, 'Twilio keeps failing; calls are paused');
      options.onBreakerChange?.(true);
    });
    breaker.onReset(() => {
      options.logger.info({ event: 'escalation.breaker.closed' }, 'Twilio answers again; calls resume');
      options.onBreakerChange?.(false);
    });
    const retries = retry(handleWhen(isTransient), {
      maxAttempts: (options.maxTries ?? DEFAULT_MAX_TRIES) - 1,
      backoff: new ExponentialBackoff({ initialDelay: options.retryBaseMs ?? 200, maxDelay: 2_000 }),
    });
    // Each retry passes through the breaker, so consecutive failures open it mid-way.
    this.policy = wrap(retries, breaker);
  }

  /** Places a call; resolves with its CallSid. */
  async create(request: CallRequest): Promise<string> {
    const call = await this.execute(() =>
      this.options.client.calls.create({
        to: request.to,
        from: request.from,
        url: request.url,
        method: 'POST',
        statusCallback: request.statusCallback,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        timeout: request.ringTimeoutSeconds,
      }),
    );
    return call.sid;
  }

  /**
   * Calls to `to` created between `from` and `until`, oldest first. Twilio's call resource does
   * not echo the TwiML URL, so number and creation time are what identify an unrecorded attempt.
   */
  async createdBetween(to: string, from: Date, until: Date): Promise<{ sid: string; createdAt: Date }[]> {
    const calls = await this.execute(() => this.options.client.calls.list({ to, startTimeAfter: from, limit: 50 }));
    return calls
      .map((call) => ({ sid: call.sid, createdAt: call.dateCreated }))
      .filter((call) => call.createdAt >= from && call.createdAt <= until)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  private async execute<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await this.policy.execute(request);
    } catch (error) {
      if (error instanceof BrokenCircuitError)
        throw new TwilioUnavailableError('the Twilio circuit is open', { cause: error });
      const status = statusOf(error);
      if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
        throw new CallRejectedError(status, (error as { code?: number }).code, (error as Error).message);
      }
      throw new TwilioUnavailableError(`Twilio failed: ${(error as Error).message}`, { cause: error });
    }
  }
}
