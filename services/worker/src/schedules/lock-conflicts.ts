import type { Logger } from '@nudge/logger';

/** SQLSTATEs of a transaction Postgres aborted to break a lock cycle, or for a serialization conflict. */
const LOCK_CONFLICTS = new Set(['40P01', '40001']);

function conflictCode(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && LOCK_CONFLICTS.has(code) ? code : undefined;
}

/**
 * Runs one of the tick's write transactions and, when Postgres chose it as a deadlock victim
 * (40P01) or failed it for serialization (40001), runs it once more: the transaction was rolled
 * back whole, and the other side has its locks by then. A second failure goes to the caller.
 */
export async function retryOnceOnLockConflict<T>(logger: Logger, statement: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const code = conflictCode(err);
    if (code === undefined) throw err;
    logger.info(
      { event: 'scheduler.statement.retried', statement, code },
      `${statement} was aborted by Postgres (${code}); retrying it once`,
    );
    return run();
  }
}
