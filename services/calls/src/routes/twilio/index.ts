import formbody from '@fastify/formbody';
import { acknowledgeAlert } from '@nudge/alerts';
import type { Sql } from '@nudge/db';
import { isCallStatus, VerificationCodes, type Clock } from '@nudge/domain';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Counter } from 'prom-client';
import { applyCallStatus } from './call-status.js';
import { twilioSignatureCheck } from './signature-check.js';
import { WEBHOOK_BODY_LIMIT_BYTES, webhookGuards } from './webhook-guards.js';
import { promptTwiml, sayAndHangUp, type CallScript } from './voice-twiml.js';
import { verificationRoutes } from './verification-twiml.js';

export interface TwilioRoutesOptions {
  sql: Sql;
  clock: Clock;
  callsPublicUrl: string;
  authToken: string;
  /** Status callbacks applied, by Twilio's CallStatus. */
  callStatuses: Counter<'status'>;
  /** Webhook requests per minute per client address. */
  perAddressPerMinute: number;
}

const alertParams = {
  type: 'object',
  required: ['alertId'],
  properties: { alertId: { type: 'string', format: 'uuid' } },
} as const;

function sendTwiml(reply: FastifyReply, twiml: string): FastifyReply {
  return reply.type('text/xml; charset=utf-8').send(twiml);
}

/** Twilio's webhooks (DESIGN §6): the call's TwiML, the <Gather> answer and status callbacks. Every route is signed. */
export async function twilioRoutes(app: FastifyInstance, options: TwilioRoutesOptions): Promise<void> {
  const { sql, callsPublicUrl } = options;
  await webhookGuards(app, { perAddressPerMinute: options.perAddressPerMinute });
  await app.register(formbody, { bodyLimit: WEBHOOK_BODY_LIMIT_BYTES });
  app.addHook('preHandler', twilioSignatureCheck(callsPublicUrl, options.authToken));
  // Every content type, not only forms: the JSON parser would otherwise read the global limit.
  const webhook = { bodyLimit: WEBHOOK_BODY_LIMIT_BYTES };
  // Phone number verification calls: the same signature check and guards as every route here.
  verificationRoutes(app, { sql, clock: options.clock, codes: new VerificationCodes(options.authToken), bodyLimit: WEBHOOK_BODY_LIMIT_BYTES });

  async function loadScript(alertId: string, attempt: string | undefined): Promise<(CallScript & { state: string }) | undefined> {
    const [row] = await sql<{ state: string; title: string; starts_at: Date; timezone: string }[]>`
      select a.state, m.title, m.starts_at, u.timezone
      from alerts a join meetings m on m.id = a.meeting_id join users u on u.id = a.user_id
      where a.id = ${alertId}`;
    if (row === undefined) return undefined;
    const query = attempt === undefined ? '' : `?attempt=${encodeURIComponent(attempt)}`;
    return { state: row.state, title: row.title, startsAt: row.starts_at, timezone: row.timezone, gatherUrl: `${callsPublicUrl}/twilio/voice/alerts/${alertId}/gather${query}` };
  }

  app.post<{ Params: { alertId: string }; Querystring: { attempt?: string } }>(
    '/twilio/voice/alerts/:alertId',
    { ...webhook, schema: { params: alertParams } },
    async (request, reply) => {
      const script = await loadScript(request.params.alertId, request.query.attempt);
      if (script === undefined) return sendTwiml(reply, sayAndHangUp('This reminder is no longer available. Goodbye.'));
      if (script.state === 'acknowledged') return sendTwiml(reply, sayAndHangUp('This meeting reminder was already acknowledged. Goodbye.'));
      return sendTwiml(reply, promptTwiml(script, { times: 2 }));
    },
  );

  app.post<{ Params: { alertId: string }; Querystring: { attempt?: string }; Body: { Digits?: string; CallSid?: string } }>(
    '/twilio/voice/alerts/:alertId/gather',
    { ...webhook, schema: { params: alertParams } },
    async (request, reply) => {
      const { alertId } = request.params;
      if (request.body.Digits !== '1') {
        const script = await loadScript(alertId, request.query.attempt);
        if (script === undefined) return sendTwiml(reply, sayAndHangUp('This reminder is no longer available. Goodbye.'));
        return sendTwiml(reply, promptTwiml(script, { lead: 'Sorry, that was not 1.', times: 1 }));
      }
      const outcome = await acknowledgeAlert(sql, { alertId, via: 'phone', detail: { call_sid: request.body.CallSid ?? null } });
      if (outcome.outcome === 'acknowledged' || outcome.outcome === 'already_acknowledged') {
        request.log.info({ event: 'alert.acknowledged', alert_id: alertId, via: 'phone', already: outcome.outcome === 'already_acknowledged' }, 'alert acknowledged by phone');
        return sendTwiml(reply, sayAndHangUp('Thank you. Your meeting reminder is acknowledged. Goodbye.'));
      }
      return sendTwiml(reply, sayAndHangUp('This reminder is no longer active. Goodbye.'));
    },
  );

  app.post<{ Querystring: { alert_id?: string; attempt?: string }; Body: { CallSid?: string; CallStatus?: string; CallDuration?: string } }>(
    '/twilio/status',
    {
      ...webhook,
      schema: {
        querystring: {
          type: 'object',
          properties: { alert_id: { type: 'string', format: 'uuid' }, attempt: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' } },
        },
      },
    },
    async (request, reply) => {
      const { CallSid: callSid, CallStatus: status, CallDuration: duration } = request.body;
      if (callSid === undefined || status === undefined || !isCallStatus(status)) {
        request.log.warn({ event: 'twilio.status.ignored', call_sid: callSid, status }, 'a status callback without a known CallStatus was ignored');
        return reply.status(204).send();
      }
      const outcome = await applyCallStatus(sql, {
        callSid,
        status,
        alertId: request.query.alert_id,
        attempt: request.query.attempt === undefined ? undefined : Number(request.query.attempt),
        durationSeconds: duration === undefined || duration === '' ? undefined : Number(duration),
        now: options.clock.now(),
      });
      if (outcome.kind === 'applied') {
        options.callStatuses.inc({ status });
        request.log.info(
          { event: 'call.status.applied', call_sid: callSid, status, alert_id: outcome.alertId, attempt: outcome.attempt, next: outcome.next },
          `call ${status}`,
        );
      } else if (outcome.kind === 'unknown_call') {
        request.log.warn({ event: 'call.status.unknown', call_sid: callSid, status }, 'a status callback for a call we did not place');
      } else {
        request.log.debug({ event: `call.status.${outcome.kind}`, call_sid: callSid, status }, `status callback ${outcome.kind}`);
      }
      return reply.status(204).send();
    },
  );
}
