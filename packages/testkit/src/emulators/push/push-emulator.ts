import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent } from 'node:https';
import { Latencies } from '../http/latencies.js';
import { HttpEmulator, type EmulatorOptions, type Exchange } from '../http/http-emulator.js';
import type { TlsMaterial } from '../http/listening-server.js';
import { RecordedList } from '../http/recorded-list.js';
import { pause, readBody, sendJson } from '../http/responses.js';
import { ScriptedResponses } from '../http/scripted-responses.js';
import { decryptAes128gcm, DecryptionError } from './aes128gcm.js';
import { FakeSubscriptions, type PushSubscriptionJson } from './fake-subscriptions.js';
import { PushMessage, type Urgency } from './push-message.js';
import { createLocalCertificates } from './tls-certificates.js';
import { verifyVapid } from './vapid-verification.js';

/** What the push service can be scripted to answer for an endpoint instead of accepting. */
export interface PushOutcome {
  status: number;
  retryAfterSeconds?: number;
}

export type PushEmulatorOptions = EmulatorOptions;

// RFC 8030 lets services refuse bigger bodies; the 4096 bytes every browser service accepts.
const MAX_BODY_BYTES = 4096;
const URGENCIES = new Set<string>(['very-low', 'low', 'normal', 'high']);
const PUSH_PATH = /^\/push\/([\w-]+)$/;

/**
 * A Web Push service (RFC 8030) over HTTPS with its own CA: it checks VAPID, decrypts
 * `aes128gcm` with the device's private keys and keeps the plaintext, or answers as scripted.
 */
export class PushEmulator extends HttpEmulator {
  readonly messages = new RecordedList<PushMessage>();
  private readonly subscriptions = new FakeSubscriptions();
  private readonly outcomes = new ScriptedResponses<PushOutcome>();
  private readonly latencies = new Latencies();
  private ca: string | undefined;

  constructor(options: PushEmulatorOptions = {}) {
    super(options);
  }

  static async start(options?: PushEmulatorOptions): Promise<PushEmulator> {
    return new PushEmulator(options).start();
  }

  protected override async tls(): Promise<TlsMaterial> {
    const certificates = await createLocalCertificates(new Date(this.now()));
    this.ca = certificates.caPem;
    return certificates;
  }

  /** The CA that signed the server certificate: for NODE_EXTRA_CA_CERTS or an Agent's `ca`. */
  get caPem(): string {
    if (this.ca === undefined) throw new Error('PushEmulator is not started');
    return this.ca;
  }

  /** The PUSH_ENDPOINT_ALLOWED_HOSTS entry that lets Nudge send to this emulator (`127.0.0.1:port`). */
  get allowedHostEntry(): string {
    return new URL(this.url).host;
  }

  /** An agent that trusts this emulator, for web-push's `agent` option. */
  agent(): Agent {
    return new Agent({ ca: this.caPem });
  }

  /** A new device; pass the VAPID public key to refuse pushes signed with any other. */
  subscribe(applicationServerKey?: string): PushSubscriptionJson {
    return this.subscriptions.create(this.url, applicationServerKey).json;
  }

  /** The device unsubscribed: its endpoint answers 410 Gone from now on. */
  unsubscribe(endpoint: string): void {
    const subscription = this.subscriptions.byEndpoint(endpoint);
    if (subscription !== undefined) subscription.active = false;
  }

  /** The next `times` pushes to `endpoint` (or `ANY`) get this answer and are not kept. */
  script(endpoint: string, outcome: PushOutcome, times = 1): void {
    this.outcomes.add(endpoint, outcome, times);
  }

  setLatency(endpoint: string, ms: number): void {
    this.latencies.set(endpoint, ms);
  }

  messagesFor(endpoint: string): PushMessage[] {
    return this.messages.items.filter((m) => m.endpoint === endpoint);
  }

  protected async route({ req, res, url, recorded, signal }: Exchange): Promise<void> {
    const id = PUSH_PATH.exec(url.pathname)?.[1];
    const body = await readBody(req);
    if (req.method !== 'POST' || id === undefined) return reject(res, 404, 'no such endpoint');
    const subscription = this.subscriptions.get(id);
    if (subscription === undefined) return reject(res, 404, 'no such subscription');
    const endpoint = subscription.json.endpoint;
    recorded.subject = endpoint;
    if (!subscription.active) return reject(res, 410, 'subscription expired or unsubscribed');

    const vapid = verifyVapid(req.headers.authorization, new URL(endpoint).origin, Math.floor(this.now() / 1000));
    if (!vapid.ok) return reject(res, vapid.status, vapid.reason);
    if (
      subscription.applicationServerKey !== undefined &&
      subscription.applicationServerKey !== vapid.identity.publicKey
    ) {
      return reject(res, 403, 'VAPID key differs from the one the subscription was made with');
    }
    const ttl = Number(req.headers.ttl);
    if (req.headers.ttl === undefined || !Number.isInteger(ttl) || ttl < 0)
      return reject(res, 400, 'TTL header missing or invalid');
    const urgency = header(req, 'urgency') ?? 'normal';
    if (!URGENCIES.has(urgency)) return reject(res, 400, `unknown Urgency ${urgency}`);
    const topic = header(req, 'topic');
    if (topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(topic))
      return reject(res, 400, 'Topic must be at most 32 URL-safe base64 characters');
    if (body.length > 0 && header(req, 'content-encoding') !== 'aes128gcm')
      return reject(res, 415, 'only aes128gcm is supported');
    if (body.length > MAX_BODY_BYTES) return reject(res, 413, `body of ${body.length} bytes exceeds ${MAX_BODY_BYTES}`);

    await pause(this.latencies.get(endpoint), signal);
    const scripted = this.outcomes.take(endpoint);
    if (scripted !== undefined && scripted.status !== 201) {
      const headers: Record<string, string> =
        scripted.retryAfterSeconds === undefined ? {} : { 'retry-after': String(scripted.retryAfterSeconds) };
      return reject(res, scripted.status, 'scripted', headers);
    }
    let payload: Buffer;
    try {
      payload = body.length === 0 ? Buffer.alloc(0) : decryptAes128gcm(body, subscription.keys);
    } catch (error) {
      if (error instanceof DecryptionError) return reject(res, 400, `cannot decrypt: ${error.message}`);
      throw error;
    }
    this.messages.push(
      new PushMessage(endpoint, payload, ttl, urgency as Urgency, topic, vapid.identity, new Date(this.now())),
    );
    res.writeHead(201, { location: `${this.url}/message/${randomUUID()}`, ttl: String(ttl) }).end();
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The JSON error body of Mozilla's autopush, the service most push errors are modelled on. */
function reject(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { code: status, errno: status, error: message, message }, headers);
}
