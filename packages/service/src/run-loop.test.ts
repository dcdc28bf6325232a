import { describe, expect, it } from '@jest/globals';
import { runLoop } from './run-loop.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('runLoop', () => {
  it('pauses between rounds for as long as the round asks, and a wake-up ends the pause at once', async () => {
    const rounds: number[] = [];
    const loop = runLoop({
      round: async () => (rounds.push(Date.now()), 60_000),
      onError: () => undefined,
      backoffMs: () => 1,
    });
    await tick();
    expect(rounds).toHaveLength(1);
    loop.wake();
    await tick();
    await tick();
    expect(rounds).toHaveLength(2);
    await loop.stop();
    expect(rounds).toHaveLength(2);
  });

  it('keeps a wake-up that comes while a round runs: the next pause is skipped', async () => {
    let rounds = 0;
    let release: () => void = () => undefined;
    const loop = runLoop({
      round: async () => {
        rounds += 1;
        if (rounds === 1) await new Promise<void>((resolve) => (release = resolve));
        return 60_000;
      },
      onError: () => undefined,
      backoffMs: () => 1,
    });
    await tick();
    loop.wake();
    release();
    await tick();
    await tick();
    expect(rounds).toBe(2);
    await loop.stop();
  });

  it('a failing round is reported and retried after the backoff for that many failures in a row', async () => {
    const errors: unknown[] = [];
    const backoffs: number[] = [];
    let rounds = 0;
    const loop = runLoop({
      round: async () => {
        rounds += 1;
        if (rounds <= 2) throw new Error(`round ${rounds} failed`);
        return 60_000;
      },
      onError: (err) => errors.push(err),
      backoffMs: (failures) => (backoffs.push(failures), 5),
    });
    const deadline = Date.now() + 2_000;
    while (rounds < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    await loop.stop();
    expect(errors.map((e) => (e as Error).message)).toEqual(['round 1 failed', 'round 2 failed']);
    expect(backoffs).toEqual([1, 2]);
    expect(rounds).toBe(3);
  });

  it('stop ends the pause, aborts the signal the round sees, and waits for the round in progress', async () => {
    let seen: AbortSignal | undefined;
    let finished = false;
    const loop = runLoop({
      round: async (signal) => {
        seen = signal;
        await new Promise((resolve) => setTimeout(resolve, 20));
        finished = true;
        return 60_000;
      },
      onError: () => undefined,
      backoffMs: () => 1,
    });
    await tick();
    await loop.stop();
    expect(finished).toBe(true);
    expect(seen?.aborted).toBe(true);
  });

  it('waits firstDelayMs before the first round', async () => {
    let rounds = 0;
    const loop = runLoop({
      round: async () => ((rounds += 1), 60_000),
      onError: () => undefined,
      backoffMs: () => 1,
      firstDelayMs: 60_000,
    });
    await tick();
    expect(rounds).toBe(0);
    await loop.stop();
    expect(rounds).toBe(0);
  });
});
