import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

/**
 * A private redis-server for one test file, so tests that flush, stop or restart Redis never
 * touch the shared one. No persistence: a restart comes back empty, like a lost Redis.
 */
export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.startProcess();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** FLUSHALL, sent over a raw connection so the helper needs no client library. */
  async flushAll(): Promise<void> {
    const socket = createConnection(this.port, '127.0.0.1');
    socket.write('FLUSHALL\r\n');
    const [reply] = (await once(socket, 'data')) as [Buffer];
    socket.destroy();
    if (!reply.toString().startsWith('+OK')) throw new Error(`FLUSHALL answered ${reply.toString()}`);
  }

  /** Stops the server (SIGKILL: nothing is saved). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts it again on the same port, empty. */
  async restart(): Promise<void> {
    await this.stop();
    await this.startProcess();
  }

  private async startProcess(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const deadline = Date.now() + 5_000;
    while (!(await this.answers())) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${this.port}`);
      await sleep(20);
    }
  }

  private async answers(): Promise<boolean> {
    const socket = createConnection(this.port, '127.0.0.1');
    try {
      socket.write('PING\r\n');
      const [reply] = (await Promise.race([once(socket, 'data'), once(socket, 'error').then(() => [Buffer.from('')])])) as [Buffer];
      return reply.toString().startsWith('+PONG');
    } catch {
      return false;
    } finally {
      socket.destroy();
    }
  }
}
