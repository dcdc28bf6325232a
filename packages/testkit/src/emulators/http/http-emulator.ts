import type { IncomingMessage, ServerResponse } from 'node:http';
import { ListeningServer, type TlsMaterial } from './listening-server.js';
import { RecordedList } from './recorded-list.js';
import { recordRequest, type RecordedRequest } from './recorded-request.js';

export interface EmulatorOptions {
  /** The emulator's clock (token expiry, timestamps); Date.now by default. */
  now?: () => number;
  /** Keep every request for `requests` (default true); benchmarks turn it off to save memory. */
  recordRequests?: boolean;
}

/** An incoming request with what every route needs: its parsed URL, its record, the close signal. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  recorded: RecordedRequest;
  signal: AbortSignal;
}

/** What every emulator shares: a server started on demand, its URL, its request log and clock. */
export abstract class HttpEmulator {
  readonly requests = new RecordedList<RecordedRequest>();
  protected readonly now: () => number;
  private readonly recordRequests: boolean;
  private server: ListeningServer | undefined;

  constructor(options: EmulatorOptions) {
    this.now = options.now ?? Date.now;
    this.recordRequests = options.recordRequests ?? true;
  }

  async start(): Promise<this> {
    this.server = await ListeningServer.start((req, res, signal) => this.receive(req, res, signal), await this.tls());
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

  protected abstract route(exchange: Exchange): Promise<void>;

  private receive(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const recorded = recordRequest(req, url, new Date(this.now()));
    if (this.recordRequests) this.requests.push(recorded);
    return this.route({ req, res, url, recorded, signal });
  }
}
