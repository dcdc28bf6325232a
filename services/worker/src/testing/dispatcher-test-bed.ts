import { pushFragment, type PushConfig } from '@nudge/config';
import { systemClock } from '@nudge/domain';
import type { Logger } from '@nudge/logger';
import { PushEndpointPolicy, type ResolveHost } from '@nudge/service';
import { createTestDatabase, eventually, PushEmulator, roleEnv, type TestDatabase } from '@nudge/testkit';
import { useFixture } from '@nudge/testkit/jest';
import { Dispatcher, type DispatcherOptions } from '../dispatcher/dispatcher.js';
import { VapidHeaders } from '../dispatcher/vapid-headers.js';
import { dispatcherOptions } from './dispatcher-options.js';

export interface DispatcherTestBed {
  readonly db: TestDatabase;
  /** The push service the test's devices subscribe at; the sending agent trusts its certificate. */
  readonly push: PushEmulator;
  readonly pushConfig: PushConfig;
  /** The endpoint policy the dispatcher sends through. */
  readonly policy: PushEndpointPolicy;
  readonly dispatcher: Dispatcher;
  /** The dispatcher's summary of an alert's push (the detail of its `pushed` event), once it is written. */
  pushSummary(alertId: string): Promise<Record<string, number>>;
}

export interface DispatcherTestBedOptions {
  logger: Logger;
  /**
   * Settings over roleEnv's, whose PUSH_ENDPOINT_ALLOWED_HOSTS trusts 127.0.0.1 on any port (the
   * emulator included); given the started emulator, to trust exactly its address instead.
   */
  env?: (push: PushEmulator) => Record<string, string>;
  /** The policy's resolver; the system's by default. */
  resolve?: ResolveHost;
  /** Certificates the sending agent trusts besides the emulator's: read when the bed starts. */
  extraCa?: () => string[];
  sendTimeoutMs?: number;
  dispatcher?: Partial<DispatcherOptions>;
}

/**
 * For a test file of the dispatcher: a database, the push emulator, and a started dispatcher
 * that sends to it through a real endpoint policy; all stopped and dropped after the file.
 * Hooks the file registers before this one run before it starts and after it has stopped.
 * Kept out of ./index.js: it registers jest hooks.
 */
export function dispatcherTestBed(options: DispatcherTestBedOptions): DispatcherTestBed {
  return useFixture(
    async () => {
      const db = await createTestDatabase();
      const push = await PushEmulator.start();
      const pushConfig = pushFragment(roleEnv('postgres://unused@127.0.0.1/unused', options.env?.(push)));
      const policy = new PushEndpointPolicy({
        allowedHosts: pushConfig.endpointAllowedHosts,
        ...(options.resolve === undefined ? {} : { resolve: options.resolve }),
        agentOptions: { ca: [push.caPem, ...(options.extraCa?.() ?? [])] },
      });
      const vapid = new VapidHeaders(pushConfig, systemClock);
      const dispatcher = new Dispatcher(
        dispatcherOptions(
          { sql: db.sql, logger: options.logger, sender: { vapid, timeoutMs: options.sendTimeoutMs ?? 5_000, policy } },
          options.dispatcher,
        ),
      );
      await dispatcher.start();
      return { db, push, pushConfig, policy, dispatcher, pushSummary: (alertId: string) => pushSummary(db, alertId) };
    },
    async (bed) => {
      await bed.dispatcher.stop();
      bed.policy.close();
      await bed.push.close();
      await bed.db.drop();
    },
  );
}

async function pushSummary(db: TestDatabase, alertId: string): Promise<Record<string, number>> {
  let detail: Record<string, number> | undefined;
  await eventually(async () => {
    const [event] = await db.sql<{ detail: Record<string, number> }[]>`
      select detail from alert_events where alert_id = ${alertId} and kind = 'pushed'`;
    detail = event?.detail;
    return detail !== undefined;
  });
  return detail!;
}
