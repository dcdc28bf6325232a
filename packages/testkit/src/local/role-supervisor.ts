import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { roleEntry, type RoleName } from '../role-process.js';
import { readableLogLine } from './log-lines.js';

/** The three roles as child processes of `pnpm start`, their logs printed readably, stopped together. */
export class RoleSupervisor {
  private readonly children = new Map<RoleName, ChildProcess>();
  private stopping = false;

  constructor(
    private readonly env: Record<string, string>,
    private readonly print: (line: string) => void,
    private readonly onUnexpectedExit: (role: RoleName, code: number | null) => void,
  ) {}

  /** Starts `role` with the shared environment (or `baseEnv` instead) plus `roleEnv`; resolves when it exits. */
  start(role: RoleName, roleEnv: Record<string, string>, baseEnv: Record<string, string> = this.env): Promise<unknown> {
    // Its own process group: Ctrl-C reaches only `pnpm start`, which stops the roles in order,
    // instead of every role getting SIGINT and then our SIGTERM as a forcing second signal.
    const child = spawn(process.execPath, [roleEntry(role)], {
      env: { ...baseEnv, ...roleEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    // Should `pnpm start` itself die, the roles go with it.
    process.once('exit', () => child.kill('SIGKILL'));
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.print(readableLogLine(role, line)));
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.once('exit', (code) => {
      if (!this.stopping) this.onUnexpectedExit(role, code);
    });
    this.children.set(role, child);
    return exited;
  }

  /** SIGTERM to every role (each finishes its in-flight work and exits), then waits for all of them. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children.values()].map((child) =>
        child.exitCode !== null || child.signalCode !== null
          ? undefined
          : new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM')),
      ),
    );
  }
}
