import type { FastifyReply } from 'fastify';
import { checkinPage } from '../checkin/page.js';

/** A small page for a browser that arrived by a redirect (sign-in, invitation): what happened and what to do next. */
export function sendNotice(reply: FastifyReply, status: number, heading: string, body: string) {
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(checkinPage({ title: heading, heading, body }));
}
