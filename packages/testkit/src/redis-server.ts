import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A free port below Linux's ephemeral range (32768+), where freePort() picks: a redis-server
 * started here can never take a port another test chose for a role a moment earlier.
 */
async function quietPort(): Promise<number> {
  for (let tries = 0; tries < 50; tries += 1) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      return port;
    }
  }
  throw new Error('no free port between 20000 and 30000');
}

/**
 * A private redis-server for one test file, so tests that flush, stop or restart Redis never
 * touch the shared one. No persistence: a restart comes back empty, like a lost Redis.
 */
export class RedisServer {
  private child: ChildProcess | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await quietPort());
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
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
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
      const [reply] = (await Promise.race([
        once(socket, 'data'),
        once(socket, 'error').then(() => [Buffer.from('')]),
      ])) as [Buffer];
      return reply.toString().startsWith('+PONG');
    } catch {
      return false;
    } finally {
      socket.destroy();
    }
  }
}
