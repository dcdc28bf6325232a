import { createServer, type Socket } from 'node:net';

/**
 * A TCP listener that only counts who connects: it stands in for Redis (or anything else)
 * where a test must prove that nothing connects at all.
 */
export class ConnectionCounter {
  connections = 0;
  host = '127.0.0.1';
  port = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer((socket) => {
    this.connections += 1;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  });

  /** On 127.0.0.1 and a free port unless told otherwise (any 127.x.y.z works on Linux without setup). */
  static async listen(options: { host?: string; port?: number } = {}): Promise<ConnectionCounter> {
    const counter = new ConnectionCounter();
    counter.host = options.host ?? counter.host;
    await new Promise<void>((resolve, reject) => {
      counter.server.once('error', reject);
      counter.server.listen(options.port ?? 0, counter.host, resolve);
    });
    const address = counter.server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    counter.port = address.port;
    return counter;
  }

  get redisUrl(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
