import { freePort } from './free-port.js';
import { RoleProcess, waitForHttpOk, type RoleName } from './role-process.js';

/** The variable each role takes its listening port from: the worker serves only health. */
const PORT_VARIABLE = { api: 'PORT', calls: 'PORT', worker: 'HEALTH_PORT' } as const;

export interface StartRoleOptions {
  /** The health endpoint that must answer 200: `ready` (the default) or `live`, for a role kept waiting on purpose. */
  ready?: 'live' | 'ready';
  timeoutMs?: number;
  /** A port chosen beforehand, for settings that name the role's own address (PUBLIC_BASE_URL, CALLS_PUBLIC_URL). */
  port?: number;
  /** The test's list of processes to stop: the role joins it when spawned, before it is waited for. */
  started?: RoleProcess[];
  /** Also serve metrics on a free METRICS_PORT, whose address comes back as `metricsBase`. */
  metrics?: boolean;
}

export interface StartedRole {
  process: RoleProcess;
  port: number;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** With `metrics`: `http://127.0.0.1:<METRICS_PORT>` */
  metricsBase: string | undefined;
}

/**
 * Starts a role on a free port with `env` and waits for its health endpoint. A role that exits
 * or does not answer in time is killed, and the error carries the end of its output.
 */
export async function startRole(
  role: RoleName,
  env: Record<string, string>,
  options: StartRoleOptions = {},
): Promise<StartedRole> {
  const port = options.port ?? (await freePort());
  const metricsPort = options.metrics === true ? await freePort() : undefined;
  const process = RoleProcess.start(role, {
    ...env,
    [PORT_VARIABLE[role]]: String(port),
    ...(metricsPort === undefined ? {} : { METRICS_PORT: String(metricsPort) }),
  });
  options.started?.push(process);
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitForHttpOk(`${base}/health/${options.ready ?? 'ready'}`, options.timeoutMs ?? 20_000, process.exited);
  } catch (err) {
    await process.stop('SIGKILL');
    throw new Error(`${role}: ${(err as Error).message}\n${process.output().slice(-3_000)}`, { cause: err });
  }
  const metricsBase = metricsPort === undefined ? undefined : `http://127.0.0.1:${metricsPort}`;
  return { process, port, base, metricsBase };
}
