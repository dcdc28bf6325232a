import type { IncomingMessage, ServerResponse } from 'node:http';
import { ListeningServer, type TlsMaterial } from './listening-server.js';

/** What every emulator shares: a server started on demand, its URL, and a close that ends everything. */
export abstract class HttpEmulator {
  private server: ListeningServer | undefined;

  async start(): Promise<this> {
    this.server = await ListeningServer.start((req, res, signal) => this.route(req, res, signal), await this.tls());
    return this;
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }

  get url(): string {
    if (this.server === undefined) throw new Error(`${this.constructor.name} is not started`);
    return this.server.url;
  }

  /** Certificate and key to serve HTTPS with; plain HTTP when undefined. */
  protected tls(): Promise<TlsMaterial | undefined> {
    return Promise.resolve(undefined);
  }

  protected abstract route(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void>;
}
