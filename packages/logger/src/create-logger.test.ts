import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createLogger } from './create-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ service: 'api', instance: 'api-1', destination }) };
}

describe('logger', () => {
  it('writes JSON lines with service, instance and event', () => {
    const { lines, logger } = capture();
    logger.info({ event: 'calendar.sync.completed', user_id: 'u1' }, 'synced');
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'api',
      instance: 'api-1',
      event: 'calendar.sync.completed',
      user_id: 'u1',
      msg: 'synced',
    });
  });

  it('gives a line logged without an event a generic one', () => {
    const { lines, logger } = capture();
    logger.info('Server listening at http://127.0.0.1:3000');
    expect(lines[0]?.event).toBe('log');
  });

  it('redacts authorization headers, tokens, refresh tokens and phone numbers', () => {
    const { lines, logger } = capture();
    logger.info({
      event: 'test',
      req: { headers: { authorization: 'Bearer nudge_secret', cookie: 'sid=1' } },
      token: 'tok-1',
      credential: { refresh_token: 'rt-1', access_token: 'at-1' },
      user: { phone_e164: '+4915112345678' },
      form: { To: '+15005550006', From: '+15005550001' },
    });
    const text = JSON.stringify(lines[0]);
    for (const secret of [
      'nudge_secret',
      'sid=1',
      'tok-1',
      'rt-1',
      'at-1',
      '+4915112345678',
      '+15005550006',
      '+15005550001',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });
});
