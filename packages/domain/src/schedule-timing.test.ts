import { describe, expect, it } from '@jest/globals';
import { InvalidScheduleError, parseScheduleTiming, upcomingSlots } from './schedule-timing.js';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
const slots = (expression: string, timezone: string, after: string, count: number) =>
  iso(upcomingSlots(parseScheduleTiming(expression, timezone), new Date(after), count));

describe('schedule timing', () => {
  /** Daylight-saving edges: [behaviour, cron, zone, from, the next two runs]. */
  const dstEdges: [string, string, string, string, string[]][] = [
    // 02:30 does not exist on 2026-03-08; 03:00 EDT is 07:00Z. The next day is 02:30 EDT again.
    [
      'runs a job in the America/New_York spring-forward gap (2026-03-08) at the first valid instant after it',
      '30 2 * * *',
      'America/New_York',
      '2026-03-07T12:00:00Z',
      ['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z'],
    ],
    // 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST); only the first runs.
    [
      'runs a job in the America/New_York fall-back fold (2026-11-01) once',
      '30 1 * * *',
      'America/New_York',
      '2026-10-31T12:00:00Z',
      ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z'],
    ],
    [
      'runs a job in the Europe/Berlin spring-forward gap (2026-03-29) at the first valid instant after it',
      '30 2 * * *',
      'Europe/Berlin',
      '2026-03-28T12:00:00Z',
      ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z'],
    ],
    [
      'runs a job in the Europe/Berlin fall-back fold (2026-10-25) once',
      '30 2 * * *',
      'Europe/Berlin',
      '2026-10-24T12:00:00Z',
      ['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'],
    ],
  ];
  it.each(dstEdges)('%s', (_behaviour, cron, zone, from, expected) => {
    expect(slots(cron, zone, from, 2)).toEqual(expected);
  });

  it('keeps a half-hourly job on real time through the fold: every instant once, none twice', () => {
    const result = slots('*/30 * * * *', 'America/New_York', '2026-11-01T04:45:00Z', 6);
    expect(result).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:30:00.000Z',
      '2026-11-01T07:00:00.000Z',
      '2026-11-01T07:30:00.000Z',
    ]);
  });

  it('evaluates a daily cron in UTC strictly after the given instant', () => {
    expect(slots('0 4 * * *', 'UTC', '2026-01-01T04:00:00Z', 2)).toEqual([
      '2026-01-02T04:00:00.000Z',
      '2026-01-03T04:00:00.000Z',
    ]);
  });

  it('anchors fixed intervals at the epoch so every replica computes the same slots', () => {
    expect(slots('@every 1s', 'UTC', '2026-01-01T04:00:00.500Z', 2)).toEqual([
      '2026-01-01T04:00:01.000Z',
      '2026-01-01T04:00:02.000Z',
    ]);
    expect(slots('@every 15m', 'Europe/Berlin', '2026-01-01T04:07:00Z', 1)).toEqual(['2026-01-01T04:15:00.000Z']);
  });

  it("rejects an invalid cron with the parser's message", () => {
    expect(() => parseScheduleTiming('61 * * * *', 'UTC')).toThrow(InvalidScheduleError);
    expect(() => parseScheduleTiming('61 * * * *', 'UTC')).toThrow(/minute: 61/);
    expect(() => parseScheduleTiming('* * * * *', 'Mars/Olympus')).toThrow(/not an IANA time zone/);
    expect(() => parseScheduleTiming('@every 5 parsecs', 'UTC')).toThrow(/not an interval/);
  });

  it('rejects an interval beyond 366 days, and a slot past the last representable date, as invalid schedules', () => {
    for (const expression of ['@every 99999999999h', '@every 8785h', `@every ${'9'.repeat(400)}h`]) {
      expect(() => parseScheduleTiming(expression, 'UTC')).toThrow(/longer than the maximum interval of 366 days/);
    }
    expect(slots('@every 8784h', 'UTC', '2026-01-01T00:00:00Z', 1)).toHaveLength(1);
    const lastDate = new Date(8.64e15);
    expect(() => upcomingSlots(parseScheduleTiming('@every 1h', 'UTC'), lastDate, 1)).toThrow(InvalidScheduleError);
    expect(() => upcomingSlots(parseScheduleTiming('@every 1h', 'UTC'), lastDate, 1)).toThrow(
      /no run within the dates that can be represented/,
    );
  });
});
