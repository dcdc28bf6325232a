import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

export type RoleName = 'api' | 'calls' | 'worker';

/** The repository root, from this file's place in packages/testkit/dist. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function roleEntry(role: RoleName): string {
  return `${REPO_ROOT}services/${role}/dist/main.js`;
}

export interface LogLine {
  level?: string;
  event?: string;
  msg?: string;
  [key: string]: unknown;
}

/**
 * What every process a test starts inherits: PATH, and the preload of a shifted clock
 * (`pnpm test:clock` runs whole suites under libfaketime), so children keep the test's time.
 */
export function childBaseEnv(): Record<string, string> {
  const inherited = (name: string) => name === 'PATH' || name === 'LD_PRELOAD' || name.startsWith('FAKETIME');
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && inherited(entry[0]),
    ),
  );
}

/** A role started as a real process, with its output kept for assertions. */
export class RoleProcess {
  readonly lines: LogLine[] = [];
  /** Output that was not a JSON log line (stderr, crashes). */
  readonly rawOutput: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly role: RoleName | 'script',
    readonly child: ChildProcess,
  ) {
    const collect = (stream: NodeJS.ReadableStream | null) => {
      let buffered = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          try {
            this.lines.push(JSON.parse(line) as LogLine);
          } catch {
            this.rawOutput.push(line);
          }
        }
      });
    };
    collect(child.stdout);
    collect(child.stderr);
    this.exited = once(child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  /**
   * Starts a role's main.js with exactly `env` plus PATH and a shifted clock's variables (see
   * `childBaseEnv`): nothing else leaks in from the test's environment.
   */
  static start(role: RoleName, env: Record<string, string>): RoleProcess {
    return RoleProcess.startScript(roleEntry(role), [], env, role);
  }

  static startScript(
    script: string,
    args: string[] = [],
    env: Record<string, string> = {},
    role: RoleName | 'script' = 'script',
  ): RoleProcess {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...childBaseEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new RoleProcess(role, child);
  }

  events(name: string): LogLine[] {
    return this.lines.filter((line) => line.event === name);
  }

  /** Everything it printed, for failure messages. */
  output(): string {
    return [...this.lines.map((line) => JSON.stringify(line)), ...this.rawOutput].join('\n');
  }

  /** Sends a signal and resolves with the exit code and how long the process took to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; ms: number }> {
    const started = performance.now();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const { code } = await this.exited;
    return { code, ms: performance.now() - started };
  }
}

/** Polls a URL until it answers 200, or fails with the last answer. */
export async function waitForHttpOk(url: string, timeoutMs = 15_000, exited?: Promise<unknown>): Promise<number> {
  const started = performance.now();
  let last = 'no answer';
  // Set by the callback below; typed wide so the loop's check is not narrowed to `false`.
  let gone: boolean = false as boolean;
  void exited?.then(() => {
    gone = true;
  });
  while (performance.now() - started < timeoutMs) {
    if (gone) throw new Error(`the process exited before ${url} answered 200 (last: ${last})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 200) return performance.now() - started;
      last = `${response.status} ${await response.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(25);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}
