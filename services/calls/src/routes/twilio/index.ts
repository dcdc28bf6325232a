import formbody from '@fastify/formbody';
import {
  acknowledgeAlert,
  applyCallStatus,
  CALL_ROUTE_SCHEMAS,
  CALL_ROUTES,
  gatherUrl,
  parseAttempt,
  parseStatusCallbackQuery,
} from '@nudge/alerts';
import type { Sql } from '@nudge/db';
import { isCallStatus, VerificationCodes, type AlertState, type Clock } from '@nudge/domain';
import type { FastifyReply } from 'fastify';
import type { HttpApp } from '@nudge/service';
import type { Counter } from 'prom-client';
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

// Twilio posts a few dozen form fields; these schemas name the ones read and tolerate the rest.
const gatherBody = { type: 'object', properties: { Digits: { type: 'string' }, CallSid: { type: 'string' } } } as const;

const statusBody = {
  type: 'object',
  properties: { CallSid: { type: 'string' }, CallStatus: { type: 'string' }, CallDuration: { type: 'string' } },
} as const;

function sendTwiml(reply: FastifyReply, twiml: string): FastifyReply {
  return reply.type('text/xml; charset=utf-8').send(twiml);
}

/** Twilio's webhooks (DESIGN §6): the call's TwiML, the <Gather> answer and status callbacks. Every route is signed. */
export async function twilioRoutes(app: HttpApp, options: TwilioRoutesOptions): Promise<void> {
  const { sql, callsPublicUrl } = options;
  await webhookGuards(app, { perAddressPerMinute: options.perAddressPerMinute });
  await app.register(formbody, { bodyLimit: WEBHOOK_BODY_LIMIT_BYTES });
  // Before validation: what an unsigned request sent is never looked at, not even to describe it in a 400.
  app.addHook('preValidation', twilioSignatureCheck(callsPublicUrl, options.authToken));
  // Every content type, not only forms: the JSON parser would otherwise read the global limit.
  const webhook = { bodyLimit: WEBHOOK_BODY_LIMIT_BYTES };
  // Phone number verification calls: the same signature check and guards as every route here.
  verificationRoutes(app, {
    sql,
    clock: options.clock,
    codes: new VerificationCodes(options.authToken),
    bodyLimit: WEBHOOK_BODY_LIMIT_BYTES,
  });

  async function loadScript(
    alertId: string,
    attempt: number | undefined,
  ): Promise<(CallScript & { state: AlertState }) | undefined> {
    const [row] = await sql<{ state: AlertState; title: string; starts_at: Date; timezone: string }[]>`
      select a.state, m.title, m.starts_at, u.timezone
      from alerts a join meetings m on m.id = a.meeting_id join users u on u.id = a.user_id
      where a.id = ${alertId}`;
    if (row === undefined) return undefined;
    return {
      state: row.state,
      title: row.title,
      startsAt: row.starts_at,
      timezone: row.timezone,
      gatherUrl: gatherUrl(callsPublicUrl, alertId, attempt),
    };
  }

  app.post(
    CALL_ROUTES.voice,
    { ...webhook, schema: { params: CALL_ROUTE_SCHEMAS.alertParams, querystring: CALL_ROUTE_SCHEMAS.attemptQuery } },
    async (request, reply) => {
      const script = await loadScript(request.params.alertId, parseAttempt(request.query.attempt));
      if (script === undefined) return sendTwiml(reply, sayAndHangUp('This reminder is no longer available. Goodbye.'));
      if (script.state === 'acknowledged')
        return sendTwiml(reply, sayAndHangUp('This meeting reminder was already acknowledged. Goodbye.'));
      return sendTwiml(reply, promptTwiml(script, { times: 2 }));
    },
  );

  app.post(
    CALL_ROUTES.gather,
    {
      ...webhook,
      schema: {
        params: CALL_ROUTE_SCHEMAS.alertParams,
        querystring: CALL_ROUTE_SCHEMAS.attemptQuery,
        body: gatherBody,
      },
    },
    async (request, reply) => {
      const { alertId } = request.params;
      if (request.body.Digits !== '1') {
        const script = await loadScript(alertId, parseAttempt(request.query.attempt));
        if (script === undefined)
          return sendTwiml(reply, sayAndHangUp('This reminder is no longer available. Goodbye.'));
        return sendTwiml(reply, promptTwiml(script, { lead: 'Sorry, that was not 1.', times: 1 }));
      }
      const outcome = await acknowledgeAlert(sql, {
        alertId,
        via: 'phone',
        detail: { call_sid: request.body.CallSid ?? null },
      });
      if (outcome.outcome === 'acknowledged' || outcome.outcome === 'already_acknowledged') {
        request.log.info(
          {
            event: 'alert.acknowledged',
            alert_id: alertId,
            via: 'phone',
            already: outcome.outcome === 'already_acknowledged',
          },
          'alert acknowledged by phone',
        );
        return sendTwiml(reply, sayAndHangUp('Thank you. Your meeting reminder is acknowledged. Goodbye.'));
      }
      return sendTwiml(reply, sayAndHangUp('This reminder is no longer active. Goodbye.'));
    },
  );

  app.post(
    CALL_ROUTES.status,
    { ...webhook, schema: { querystring: CALL_ROUTE_SCHEMAS.statusQuery, body: statusBody } },
    async (request, reply) => {
      const { CallSid: callSid, CallStatus: status, CallDuration: duration } = request.body;
      if (callSid === undefined || status === undefined || !isCallStatus(status)) {
        request.log.warn(
          { event: 'twilio.status.ignored', call_sid: callSid, status },
          'a status callback without a known CallStatus was ignored',
        );
        return reply.status(204).send();
      }
      const named = parseStatusCallbackQuery(request.query);
      const outcome = await applyCallStatus(sql, {
        callSid,
        status,
        alertId: named.alertId,
        attempt: named.attempt,
        durationSeconds: duration === undefined || duration === '' ? undefined : Number(duration),
        now: options.clock.now(),
      });
      if (outcome.kind === 'applied') {
        options.callStatuses.inc({ status });
        request.log.info(
          {
            event: 'call.status.applied',
            call_sid: callSid,
            status,
            alert_id: outcome.alertId,
            attempt: outcome.attempt,
            next: outcome.next,
          },
          `call ${status}`,
        );
      } else if (outcome.kind === 'unknown_call') {
        request.log.warn(
          { event: 'call.status.unknown', call_sid: callSid, status },
          'a status callback for a call we did not place',
        );
      } else {
        request.log.debug(
          { event: `call.status.${outcome.kind}`, call_sid: callSid, status },
          `status callback ${outcome.kind}`,
        );
      }
      return reply.status(204).send();
    },
  );
}
