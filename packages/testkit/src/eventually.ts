import { setTimeout as sleep } from 'node:timers/promises';

/** Polls `check` until it holds; fails after `timeoutMs` with `explain()` (a process's output, say). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; explain?: () => string } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${options.timeoutMs ?? 10_000} ms${options.explain === undefined ? '' : `\n${options.explain()}`}`,
      );
    await sleep(25);
  }
}
