import { setTimeout as sleep } from 'node:timers/promises';

export interface LoopOptions {
  /**
   * One round of work. Returns how long to pause before the next round, in ms (0: go on at
   * once). The signal is aborted when the loop is stopped.
   */
  round: (signal: AbortSignal) => Promise<number>;
  /** A round that throws is reported here and never ends the loop. */
  onError: (err: unknown) => void;
  /** The pause after a failed round, given how many rounds in a row have failed (1, 2, …). */
  backoffMs: (failures: number) => number;
  /** A pause before the first round (default none). */
  firstDelayMs?: number;
}

export interface Loop {
  /**
   * Ends the current pause now; when a round is running, the next pause is skipped instead,
   * so a wake-up is never lost.
   */
  wake(): void;
  /** Stops taking rounds, ends the pause, and waits for the round in progress to finish. */
  stop(): Promise<void>;
}

/**
 * A background loop: rounds of work separated by pauses that a wake-up or a stop ends early.
 * The dispatcher, the escalation reconciler and the heartbeat run on it.
 */
export function runLoop(options: LoopOptions): Loop {
  const stopping = new AbortController();
  let wake = new AbortController();
  let wakeRequested = false;

  async function pause(ms: number): Promise<void> {
    if (stopping.signal.aborted) return;
    if (wakeRequested) {
      wakeRequested = false;
      return;
    }
    if (wake.signal.aborted) wake = new AbortController();
    await sleep(ms, undefined, { signal: AbortSignal.any([wake.signal, stopping.signal]) }).catch(() => undefined);
    wakeRequested = false;
    if (wake.signal.aborted) wake = new AbortController();
  }

  async function run(): Promise<void> {
    if (options.firstDelayMs !== undefined) await pause(options.firstDelayMs);
    let failures = 0;
    while (!stopping.signal.aborted) {
      let waitMs: number;
      try {
        waitMs = await options.round(stopping.signal);
        failures = 0;
      } catch (err) {
        failures += 1;
        options.onError(err);
        waitMs = options.backoffMs(failures);
      }
      if (waitMs > 0) await pause(waitMs);
    }
  }

  const loop = run();
  return {
    wake() {
      wakeRequested = true;
      wake.abort();
    },
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
