import { createServer, type Socket } from 'node:net';

/**
 * A TCP listener that only counts who connects and never answers: it stands in for Redis (or
 * anything else) where a test must prove that nothing connects at all, and for a server that
 * accepts connections and then holds them (a push endpoint that never answers).
 */
export class ConnectionCounter {
  connections = 0;
  host = '127.0.0.1';
  /** The most connections held open at once. */
  maxOpen = 0;
  port = 0;
  private readonly sockets = new Set<Socket>();
  private openNow = 0;
  private readonly server = createServer((socket) => {
    this.connections += 1;
    this.sockets.add(socket);
    this.openNow += 1;
    this.maxOpen = Math.max(this.maxOpen, this.openNow);
    // Open until the peer hangs up: its end of stream arrives before 'close' (which waits a turn
    // of the event loop), so a peer that closes one connection and opens the next is not counted twice.
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.openNow -= 1;
    };
    socket.on('end', release);
    socket.on('close', () => {
      release();
      this.sockets.delete(socket);
    });
    socket.on('error', () => undefined);
    // Whatever the peer sends is read and dropped, so its end of stream is seen.
    socket.resume();
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

  /** Connections open now. */
  get open(): number {
    return this.openNow;
  }

  get redisUrl(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
