import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpEmulator, type EmulatorOptions, type Exchange } from '../http/http-emulator.js';
import { RecordedList } from '../http/recorded-list.js';
import { basicCredentials, pause, readForm, sendJson } from '../http/responses.js';
import { ScriptedResponses } from '../http/scripted-responses.js';
import { CallLifecycle } from './call-lifecycle.js';
import { parseCreateCall } from './create-call-request.js';
import { callResource, type CallBehaviour, type EmulatedCall, type WebhookDelivery } from './emulated-call.js';
import { messageResource, parseCreateMessage, type EmulatedMessage } from './emulated-message.js';
import { sendTwilioError } from './twilio-errors.js';
import { WebhookSender } from './webhook-sender.js';

/** What `POST …/Calls.json` can be scripted to answer instead of creating the call. */
export interface CreateFailure {
  status: number;
  code?: number;
  message?: string;
  retryAfterSeconds?: number;
}

export interface TwilioEmulatorOptions extends EmulatorOptions {
  accountSid?: string;
  authToken?: string;
}

const CALLS_PATH = /^\/2010-04-01\/Accounts\/(\w+)\/Calls\.json$/;
const CALL_PATH = /^\/2010-04-01\/Accounts\/(\w+)\/Calls\/(CA\w+)\.json$/;
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/(\w+)\/Messages\.json$/;

/**
 * Twilio's Calls REST resource, and then Twilio's side of each call: signed requests for the
 * TwiML, the <Gather> answer and the status callbacks, as the script for the callee says. Also
 * the Messages resource: text messages are recorded, as the handset would receive them.
 */
export class TwilioEmulator extends HttpEmulator {
  readonly accountSid: string;
  readonly authToken: string;
  readonly calls = new RecordedList<EmulatedCall>();
  readonly webhooks = new RecordedList<WebhookDelivery>();
  /** Text messages sent, oldest first. */
  readonly messages = new RecordedList<EmulatedMessage>();
  private readonly behaviours = new ScriptedResponses<CallBehaviour>();
  private readonly createFailures = new ScriptedResponses<CreateFailure>();
  private readonly createDelays = new ScriptedResponses<number>();

  constructor(options: TwilioEmulatorOptions = {}) {
    super(options);
    this.accountSid = options.accountSid ?? `AC${randomBytes(16).toString('hex')}`;
    this.authToken = options.authToken ?? randomBytes(16).toString('hex');
  }

  static async start(options?: TwilioEmulatorOptions): Promise<TwilioEmulator> {
    return new TwilioEmulator(options).start();
  }

  /** Stops the server and abandons calls still in progress. */
  override async close(): Promise<void> {
    await super.close();
    await Promise.allSettled(this.calls.items.map((call) => call.finished));
  }

  /** How the next `times` calls to `to` (or `ANY`) go. */
  scriptCall(to: string, behaviour: CallBehaviour, times = 1): void {
    this.behaviours.add(to, behaviour, times);
  }

  /** The next `times` create requests for `to` (or `ANY`) fail this way. */
  failCreate(to: string, failure: CreateFailure, times = 1): void {
    this.createFailures.add(to, failure, times);
  }

  /**
   * The next `times` calls to `to` (or `ANY`) are created at once but answered `ms` later: the
   * window in which a client that dies has placed a call without learning its sid.
   */
  delayCreateResponse(to: string, ms: number, times = 1): void {
    this.createDelays.add(to, ms, times);
  }

  call(sid: string): EmulatedCall | undefined {
    return this.calls.items.find((call) => call.sid === sid);
  }

  /** Every call still ringing or talking has finished and delivered its callbacks. */
  async settled(): Promise<void> {
    await Promise.all(this.calls.items.map((call) => call.finished));
  }

  protected async route({ req, res, url, recorded, signal }: Exchange): Promise<void> {
    const account =
      CALLS_PATH.exec(url.pathname)?.[1] ?? CALL_PATH.exec(url.pathname)?.[1] ?? MESSAGES_PATH.exec(url.pathname)?.[1];
    if (account === undefined)
      return sendTwilioError(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
    const credentials = basicCredentials(req);
    if (
      credentials?.user !== this.accountSid ||
      credentials.password !== this.authToken ||
      account !== this.accountSid
    ) {
      return sendTwilioError(res, 401, 20003, 'Authenticate', { 'www-authenticate': 'Basic realm="Twilio API"' });
    }
    recorded.subject = account;
    if (req.method === 'POST' && CALLS_PATH.test(url.pathname)) return this.createCall(req, res, signal);
    if (req.method === 'POST' && MESSAGES_PATH.test(url.pathname)) return this.createMessage(req, res);
    if (req.method === 'GET' && CALLS_PATH.test(url.pathname)) return sendJson(res, 200, this.callList(url));
    const sid = CALL_PATH.exec(url.pathname)?.[2];
    const call = sid === undefined ? undefined : this.call(sid);
    if (req.method === 'GET' && call !== undefined) return sendJson(res, 200, callResource(call));
    return sendTwilioError(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
  }

  /** `GET …/Calls.json`: filtered by `To` and by `StartTime>` / `StartTime>=` (a day, as Twilio's filter is). */
  private callList(url: URL): Record<string, unknown> {
    const to = url.searchParams.get('To');
    const since = url.searchParams.get('StartTime>') ?? url.searchParams.get('StartTime>=');
    const fromDay = since === null ? undefined : Date.parse(`${since.slice(0, 10)}T00:00:00Z`);
    const pageSize = Number(url.searchParams.get('PageSize') ?? 50);
    const calls = this.calls.items
      .filter(
        (call) => (to === null || call.to === to) && (fromDay === undefined || call.createdAt.getTime() >= fromDay),
      )
      .reverse()
      .slice(0, pageSize);
    const uri = `${url.pathname}${url.search}`;
    return {
      calls: calls.map(callResource),
      page: 0,
      page_size: pageSize,
      first_page_uri: uri,
      next_page_uri: null,
      previous_page_uri: null,
      start: 0,
      end: Math.max(0, calls.length - 1),
      uri,
    };
  }

  private async createMessage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const failure = this.createFailures.take(form.get('To') ?? '');
    if (failure !== undefined)
      return sendTwilioError(
        res,
        failure.status,
        failure.code ?? 20000 + failure.status,
        failure.message ?? 'Scripted failure',
      );
    const parsed = parseCreateMessage(form);
    if (!parsed.ok) return sendTwilioError(res, 400, parsed.code, parsed.message);
    const message: EmulatedMessage = {
      sid: `SM${randomBytes(16).toString('hex')}`,
      accountSid: this.accountSid,
      to: parsed.to,
      from: parsed.from,
      body: parsed.body,
      createdAt: new Date(this.now()),
    };
    this.messages.push(message);
    sendJson(res, 201, messageResource(message));
  }

  private async createCall(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const form = await readForm(req);
    const failure = this.createFailures.take(form.get('To') ?? '');
    if (failure !== undefined) {
      const headers: Record<string, string> =
        failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) };
      return sendTwilioError(
        res,
        failure.status,
        failure.code ?? 20000 + failure.status,
        failure.message ?? 'Scripted failure',
        headers,
      );
    }
    const parsed = parseCreateCall(form);
    if (!parsed.ok) return sendTwilioError(res, 400, parsed.code, parsed.message);

    const created = new Date(this.now());
    let settle: (outcome: Promise<void>) => void = () => {};
    const call: EmulatedCall = {
      sid: `CA${randomBytes(16).toString('hex')}`,
      accountSid: this.accountSid,
      ...parsed.request,
      status: 'queued',
      createdAt: created,
      updatedAt: created,
      startedAt: undefined,
      endedAt: undefined,
      said: [],
      digitsSent: [],
      webhooks: new RecordedList(),
      finished: new Promise<void>((resolve) => (settle = resolve)),
    };
    this.calls.push(call);
    const delay = this.createDelays.take(call.to);
    if (delay !== undefined) await pause(delay, signal).catch(() => undefined);
    if (!res.destroyed) sendJson(res, 201, callResource(call));

    const behaviour = this.behaviours.take(call.to) ?? {};
    const sender = new WebhookSender(this.authToken, signal, this.webhooks);
    const lifecycle = new CallLifecycle(call, behaviour, sender, signal, () => new Date(this.now()));
    // The call goes on after the 201, as on Twilio. close() abandons it quietly; any other
    // failure is an emulator bug and rejects `finished` for the test to see.
    settle(
      lifecycle.play().catch((error: unknown) => {
        if (!signal.aborted) throw error;
      }),
    );
    call.finished.catch(() => undefined);
  }
}
