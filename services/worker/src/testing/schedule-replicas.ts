import { freePort, REPO_ROOT, roleEnv, RoleProcess, waitForHttpOk } from '@nudge/testkit';

export const SCHEDULE_REPLICA_SCRIPT = `${REPO_ROOT}services/worker/dist/testing/schedule-replica.js`;

export interface ScheduleReplica {
  instanceId: string;
  process: RoleProcess;
  healthUrl: string;
}

/**
 * Starts `count` real worker processes with schedulers on, running the fixture schedules,
 * and waits until each one is ready (which includes its scheduler having ticked).
 */
export async function startScheduleReplicas(
  databaseUrl: string,
  count: number,
  env: Record<string, string> = {},
): Promise<ScheduleReplica[]> {
  const replicas: ScheduleReplica[] = [];
  for (let i = 1; i <= count; i += 1) {
    const port = await freePort();
    const instanceId = `replica-${i}`;
    const process = RoleProcess.startScript(
      SCHEDULE_REPLICA_SCRIPT,
      [],
      roleEnv(databaseUrl, {
        ENABLE_SCHEDULERS: 'true',
        HEALTH_PORT: String(port),
        INSTANCE_ID: instanceId,
        SCHEDULER_TICK_INTERVAL_MS: '200',
        LOG_LEVEL: 'info',
        ...env,
      }),
      'worker',
    );
    replicas.push({ instanceId, process, healthUrl: `http://127.0.0.1:${port}/health/ready` });
  }
  try {
    await Promise.all(replicas.map((r) => waitForHttpOk(r.healthUrl, 45_000, r.process.exited)));
  } catch (err) {
    await stopScheduleReplicas(replicas);
    throw new Error(`${(err as Error).message}\n${replicas.map((r) => r.process.output()).join('\n')}`, { cause: err });
  }
  return replicas;
}

/** Resumes paused replicas and stops every one still running. */
export async function stopScheduleReplicas(replicas: readonly ScheduleReplica[]): Promise<void> {
  await Promise.all(
    replicas.map(async (r) => {
      if (r.process.child.exitCode === null && r.process.child.signalCode === null) r.process.child.kill('SIGCONT');
      await r.process.stop('SIGTERM');
    }),
  );
}
