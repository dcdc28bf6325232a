import { badRequest } from '@nudge/service';

/** `from`/`to` query parameters: ISO 8601 date-times. */
export const timeRangeQuery = {
  from: { type: 'string', format: 'date-time', description: 'ISO 8601, inclusive' },
  to: { type: 'string', format: 'date-time', description: 'ISO 8601, exclusive' },
} as const;

const DAY = 86_400_000;
const MAX_SPAN_DAYS = 366;

export function timeRange(
  query: { from?: string; to?: string },
  now: Date,
  defaults: { backDays: number; aheadDays: number },
): { from: Date; to: Date } {
  const from = query.from === undefined ? new Date(now.getTime() - defaults.backDays * DAY) : new Date(query.from);
  const to = query.to === undefined ? new Date(now.getTime() + defaults.aheadDays * DAY) : new Date(query.to);
  if (!(from < to))
    throw badRequest('from must be before to', [{ path: 'querystring/from', message: 'must be before to' }]);
  if (to.getTime() - from.getTime() > MAX_SPAN_DAYS * DAY)
    throw badRequest(`the range may span at most ${MAX_SPAN_DAYS} days`);
  return { from, to };
}
