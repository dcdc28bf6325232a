import { describe, expect, it } from '@jest/globals';
import { scrubText, scrubValue } from './scrub.js';

describe('scrubbing personal data before it leaves for an error tracker', () => {
  it.each([
    ['an API token', 'token nudge_0aRZhXL1C0Wd1lpsBYM0suFek2qS9EX94HTuKtMxsok failed', 'token [token] failed'],
    ['a bearer header', 'Authorization: Bearer abc.def-ghi', 'Authorization: Bearer [redacted]'],
    ['an email', 'user ada.lovelace+x@example.co.uk not found', 'user [email] not found'],
    ['a phone number', 'calling +4915112345678 failed', 'calling [phone] failed'],
    ['a check-in link', 'GET https://n.test/checkin/abcdefghijklmnopqrstuvwx', 'GET https://n.test/checkin/[token]'],
    ['a Google access token', 'ya29.a0AfH6SMBx-1_abc', '[google-token]'],
  ])('removes %s', (_name, input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });

  it('leaves ordinary text alone', () => {
    expect(scrubText('column users.phone_e164 is missing; apply migration 0001_initial')).toBe(
      'column users.phone_e164 is missing; apply migration 0001_initial',
    );
  });

  it('blanks credential-named fields and scrubs nested strings', () => {
    expect(
      scrubValue({
        extra: {
          refresh_token: 'rt',
          phone_e164: '+15005550006',
          note: 'mail bob@x.test',
          nested: [{ authorization: 'Bearer x' }],
        },
        level: 'error',
      }),
    ).toEqual({
      extra: {
        refresh_token: '[redacted]',
        phone_e164: '[redacted]',
        note: 'mail [email]',
        nested: [{ authorization: '[redacted]' }],
      },
      level: 'error',
    });
  });
});
