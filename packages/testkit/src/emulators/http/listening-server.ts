import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { sendJson } from './responses.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse, signal: AbortSignal) => Promise<void>;

export interface TlsMaterial {
  key: string;
  cert: string;
}

/**
 * An HTTP(S) server on 127.0.0.1 with an ephemeral port whose `close()` also ends keep-alive
 * and deliberately hung requests, so a test that closes it never leaks a socket or a timer.
 */
export class ListeningServer {
  private constructor(
    private readonly server: Server,
    private readonly abort: AbortController,
    readonly url: string,
  ) {}

  static async start(handler: RequestHandler, tls?: TlsMaterial): Promise<ListeningServer> {
    const abort = new AbortController();
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      handler(req, res, abort.signal).catch((error: unknown) => {
        if (abort.signal.aborted) return;
        // An emulator bug must show up in the test as a 500, not as a silent hang.
        if (!res.headersSent) sendJson(res, 500, { error: { message: `emulator error: ${String(error)}` } });
        else res.destroy();
      });
    };
    const server = tls === undefined ? createHttpServer(onRequest) : createHttpsServer(tls, onRequest);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    return new ListeningServer(server, abort, `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${address.port}`);
  }

  async close(): Promise<void> {
    this.abort.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
