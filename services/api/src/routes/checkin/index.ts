import formbody from '@fastify/formbody';
import type { FastifyReply } from 'fastify';
import { checkInWithToken, findCheckin, type CheckinView } from '@nudge/alerts';
import type { Sql } from '@nudge/db';
import type { Clock } from '@nudge/domain';
import type { HttpApp } from '@nudge/service';
import { checkinPage, formatStart } from './page.js';

const tokenParams = {
  type: 'object',
  required: ['token'],
  properties: { token: { type: 'string', maxLength: 128 } },
} as const;
const html = { type: 'string', description: 'an HTML page' } as const;
const pageResponses = { 200: html, 404: html, 409: html } as const;
/** The page's form has no fields: a browser posts an empty urlencoded body. Anything bigger is not ours. */
const FORM_BODY_LIMIT_BYTES = 1_024;

function sendPage(reply: FastifyReply, status: number, html: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(html);
}

const notFoundPage = checkinPage({
  title: 'Link expired',
  heading: 'This check-in link is not valid any more',
  body: 'It may have expired when the meeting ended. Open Nudge to see your alerts.',
});

/** The answer once the meeting's alert is acknowledged: by this link, or before it was opened. */
function checkedInPage(checkin: Pick<CheckinView, 'title' | 'starts_at' | 'timezone'>): string {
  return checkinPage({
    title: 'Checked in',
    heading: `You checked in for ${checkin.title}`,
    body: `It starts ${formatStart(checkin.starts_at, checkin.timezone)}.`,
  });
}

/**
 * The link in a push notification. GET only shows the meeting and a button — link scanners and
 * previews must not acknowledge — and POST acknowledges (via push), once.
 */
export async function checkinRoutes(app: HttpApp, options: { sql: Sql; clock: Clock }): Promise<void> {
  const { sql, clock } = options;
  // The page's own <form method="post"> arrives as application/x-www-form-urlencoded. Registered
  // here, the parser serves these routes only; the JSON api keeps refusing forms with 415.
  await app.register(formbody, { bodyLimit: FORM_BODY_LIMIT_BYTES });

  app.get('/checkin/:token', { schema: { params: tokenParams, response: pageResponses } }, async (request, reply) => {
    const checkin = await findCheckin(sql, request.params.token, clock.now());
    if (checkin === undefined) return sendPage(reply, 404, notFoundPage);
    const when = formatStart(checkin.starts_at, checkin.timezone);
    if (checkin.used_at !== null || checkin.state === 'acknowledged')
      return sendPage(reply, 200, checkedInPage(checkin));
    return sendPage(
      reply,
      200,
      checkinPage({
        title: checkin.title,
        heading: checkin.title,
        body: `Starts ${when}. Let Nudge know you are on it, so it does not call you.`,
        form: { action: `/checkin/${request.params.token}`, button: "I'm on it" },
      }),
    );
  });

  app.post('/checkin/:token', { schema: { params: tokenParams, response: pageResponses } }, async (request, reply) => {
    const now = clock.now();
    const checkin = await findCheckin(sql, request.params.token, now);
    if (checkin === undefined) return sendPage(reply, 404, notFoundPage);
    await checkInWithToken(sql, request.params.token, now);
    const [alert] = await sql<{ state: string }[]>`select state from alerts where id = ${checkin.alert_id}`;
    if (alert?.state !== 'acknowledged') {
      return sendPage(
        reply,
        409,
        checkinPage({
          title: 'Too late',
          heading: `${checkin.title}: this alert is ${alert?.state ?? 'gone'}`,
          body: 'Nothing was changed.',
        }),
      );
    }
    return sendPage(reply, 200, checkedInPage(checkin));
  });
}
