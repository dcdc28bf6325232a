import { pause } from '../http/responses.js';
import { twilioDate, type CallBehaviour, type CallStatus, type EmulatedCall } from './emulated-call.js';
import { parseTwiml, TwimlError, type TwimlVerb } from './twiml.js';
import type { WebhookSender } from './webhook-sender.js';

// A TwiML loop (Redirect to itself, a Gather re-prompting forever) ends the call like Twilio's limits do.
const MAX_DOCUMENTS = 12;

interface Step {
  kind: 'voice' | 'gather' | 'redirect';
  url: string;
  method: 'GET' | 'POST';
  extra: Record<string, string>;
}

/** Plays one outbound call the way Twilio does, from `queued` to its final status. */
export class CallLifecycle {
  private sequence = 0;
  private readonly heldCallbacks: Record<string, string>[] = [];
  private readonly digits: (string | null)[];

  constructor(
    private readonly call: EmulatedCall,
    private readonly behaviour: CallBehaviour,
    private readonly sender: WebhookSender,
    private readonly signal: AbortSignal,
    private readonly now: () => Date,
  ) {
    this.digits = [...(behaviour.digits ?? [])];
  }

  async play(): Promise<void> {
    await this.step();
    await this.progress('initiated', 'initiated');
    await this.step();
    await this.progress('ringing', 'ringing');
    await this.step();
    const answer = this.behaviour.answer ?? 'answered';
    if (answer === 'answered') {
      this.call.startedAt = this.now();
      await this.progress('answered', 'in-progress');
      await this.converse();
      this.call.endedAt = this.now();
      await this.progress('completed', 'completed');
    } else {
      await this.progress('completed', answer);
    }
    // Held callbacks arrive after the call ended, newest first: a late `ringing` after `completed`.
    for (const params of this.heldCallbacks.reverse()) await this.deliverStatus(params);
  }

  private async progress(event: string, status: CallStatus): Promise<void> {
    this.call.status = status;
    this.call.updatedAt = this.now();
    // Twilio always reports the final status; the other events only when subscribed to.
    const subscribed = event === 'completed' || this.call.statusCallbackEvents.includes(event);
    if (this.call.statusCallback === undefined || !subscribed) return;
    const params: Record<string, string> = {
      ...this.baseParams(),
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(this.sequence++),
      Timestamp: twilioDate(this.now()),
    };
    if (event === 'completed') {
      const seconds =
        this.call.startedAt === undefined || this.call.endedAt === undefined
          ? 0
          : Math.round((this.call.endedAt.getTime() - this.call.startedAt.getTime()) / 1000);
      params.CallDuration = String(seconds);
    }
    if (this.behaviour.reorderCallbacks === true) this.heldCallbacks.push(params);
    else await this.deliverStatus(params);
  }

  private async deliverStatus(params: Record<string, string>): Promise<void> {
    const url = this.call.statusCallback;
    if (url === undefined) return;
    const copies = this.behaviour.duplicateCallbacks === true ? 2 : 1;
    for (let i = 0; i < copies; i += 1) {
      await this.step();
      await this.sender.send(this.call, 'status', this.call.statusCallbackMethod, url, params);
    }
  }

  /** Fetches TwiML and follows it: Say, Gather (answered with the scripted digits), Redirect, Hangup. */
  private async converse(): Promise<void> {
    let document: string | undefined = this.call.twiml;
    let current: Step | undefined =
      this.call.url === undefined
        ? undefined
        : { kind: 'voice', url: this.call.url, method: this.call.method, extra: {} };
    for (let fetched = 0; fetched < MAX_DOCUMENTS; fetched += 1) {
      if (document === undefined) {
        if (current === undefined) return;
        const delivery = await this.sender.send(this.call, current.kind, current.method, current.url, {
          ...this.baseParams(),
          ...current.extra,
        });
        // An unreachable or failing application: Twilio plays its error message and hangs up.
        if (delivery.status === undefined || delivery.status >= 400) return;
        document = delivery.body ?? '';
      }
      let verbs: TwimlVerb[];
      try {
        verbs = parseTwiml(document);
      } catch (error) {
        if (error instanceof TwimlError) return;
        throw error;
      }
      const base = current?.url ?? this.call.url ?? 'http://invalid/';
      document = undefined;
      current = this.follow(verbs, base);
      if (current === undefined) return;
    }
  }

  /** The next request the verbs lead to, or undefined when the call hangs up. */
  private follow(verbs: TwimlVerb[], base: string): Step | undefined {
    for (const verb of verbs) {
      switch (verb.name) {
        case 'Say':
          this.call.said.push(verb.text);
          break;
        case 'Gather': {
          for (const child of verb.children) if (child.name === 'Say') this.call.said.push(child.text);
          const numDigits = Number(verb.attributes.numDigits ?? Infinity);
          const pressed = (this.digits.shift() ?? '').slice(0, Number.isFinite(numDigits) ? numDigits : undefined);
          // No input: Twilio skips the action and carries on with the next verb, unless told otherwise.
          if (pressed === '' && verb.attributes.actionOnEmptyResult !== 'true') break;
          this.call.digitsSent.push(pressed);
          const url = new URL(verb.attributes.action ?? base, base).href;
          return { kind: 'gather', url, method: methodOf(verb), extra: { Digits: pressed } };
        }
        case 'Redirect':
          return { kind: 'redirect', url: new URL(verb.text || base, base).href, method: methodOf(verb), extra: {} };
        case 'Hangup':
        case 'Reject':
          return undefined;
        default:
          break;
      }
    }
    return undefined;
  }

  private baseParams(): Record<string, string> {
    const call = this.call;
    return {
      AccountSid: call.accountSid,
      ApiVersion: '2010-04-01',
      CallSid: call.sid,
      CallStatus: call.status,
      Called: call.to,
      Caller: call.from,
      Direction: 'outbound-api',
      From: call.from,
      To: call.to,
    };
  }

  private step(): Promise<void> {
    return pause(this.behaviour.stepDelayMs ?? 0, this.signal);
  }
}

function methodOf(verb: TwimlVerb): 'GET' | 'POST' {
  return verb.attributes.method?.toUpperCase() === 'GET' ? 'GET' : 'POST';
}
