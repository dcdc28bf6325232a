import { ListeningServer } from './emulators/http/listening-server.js';
import { RecordedList } from './emulators/http/recorded-list.js';
import { readBody } from './emulators/http/responses.js';

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
}

/**
 * A local HTTP endpoint that records what is posted to it: a Slack incoming webhook, a Sentry
 * ingest endpoint, any callback a test needs to see.
 */
export class WebhookReceiver {
  private constructor(
    private readonly server: ListeningServer,
    readonly received: RecordedList<ReceivedWebhook>,
  ) {}

  static async start(status = 200): Promise<WebhookReceiver> {
    const received = new RecordedList<ReceivedWebhook>();
    const server = await ListeningServer.start(async (req, res) => {
      const body = await readBody(req);
      received.push({
        path: new URL(req.url ?? '/', 'http://x').pathname,
        headers: req.headers,
        body,
        text: body.toString('utf8'),
      });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
    return new WebhookReceiver(server, received);
  }

  get url(): string {
    return this.server.url;
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
