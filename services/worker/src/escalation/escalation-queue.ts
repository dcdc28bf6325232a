import type { Logger } from '@nudge/logger';
import type { Redis } from '@nudge/service';
import { Queue, Worker } from 'bullmq';
import type { AttemptRef, DueCallAttempt } from '@nudge/alerts';

/** An attempt to put on the queue, due at `at`; `tries` tells a retry of a recorded attempt from the first try. */
export type QueuedAttempt = DueCallAttempt;

export const ESCALATION_QUEUE = 'escalation';
/** BullMQ's key prefix: Nudge's keys stay apart from any other BullMQ application on the same Redis. */
const PREFIX = 'nudge';

/**
 * Deterministic, so every replica's reconciler adds the same job and BullMQ keeps one. BullMQ
 * forbids ':' in custom ids and integer-looking ids; a uuid and counters joined by '-' are neither.
 */
export function escalationJobId(attempt: QueuedAttempt): string {
  return `call-${attempt.alertId}-${attempt.attempt}-${attempt.tries}`;
}

export interface EscalationQueueOptions {
  /** The producer connection: commands fail fast while Redis is away. */
  producer: Redis;
  /** The consumer opens its own blocking connections, which must wait for Redis (maxRetriesPerRequest: null). */
  redisUrl: string;
  concurrency: number;
  logger: Logger;
}

/** BullMQ delayed jobs, one per call attempt. Redis only holds timers: Postgres holds the truth. */
export class EscalationQueue {
  private readonly queue: Queue<AttemptRef>;
  private worker: Worker<AttemptRef> | undefined;
  private workerDown = false;

  constructor(private readonly options: EscalationQueueOptions) {
    this.queue = new Queue<AttemptRef>(ESCALATION_QUEUE, { connection: options.producer, prefix: PREFIX });
    this.queue.on('error', () => undefined); // the producer connection logs its own outages
  }

  /** Adds the attempts' jobs; an id already waiting is left alone. */
  async add(attempts: readonly QueuedAttempt[], now: Date): Promise<void> {
    if (attempts.length === 0) return;
    await this.queue.addBulk(
      attempts.map((attempt) => ({
        name: 'call',
        data: { alertId: attempt.alertId, attempt: attempt.attempt },
        opts: {
          jobId: escalationJobId(attempt),
          delay: Math.max(0, attempt.at.getTime() - now.getTime()),
          // Gone once done, so the same id can be added again if Postgres says it is due again.
          removeOnComplete: true,
          removeOnFail: true,
        },
      })),
    );
  }

  start(process: (ref: AttemptRef) => Promise<void>): void {
    const { logger } = this.options;
    this.worker = new Worker<AttemptRef>(ESCALATION_QUEUE, async (job) => process(job.data), {
      connection: { url: this.options.redisUrl, maxRetriesPerRequest: null, connectionName: 'nudge-escalation-worker' },
      prefix: PREFIX,
      concurrency: this.options.concurrency,
      // Jobs are short (a claim and a Twilio request), so a dead worker's jobs are found soon.
      lockDuration: 15_000,
      stalledInterval: 15_000,
    });
    this.worker.on('error', (err) => {
      if (!this.workerDown)
        logger.warn(
          { event: 'escalation.queue.unavailable', err: err.message },
          'the escalation queue cannot reach Redis; retrying',
        );
      this.workerDown = true;
    });
    this.worker.on('ready', () => {
      if (this.workerDown)
        logger.info({ event: 'escalation.queue.recovered' }, 'the escalation queue reaches Redis again');
      this.workerDown = false;
    });
  }

  /** Jobs waiting, delayed or running, for the queue depth gauge. */
  async depth(): Promise<number> {
    const counts = await this.queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
