import { describe, expect, it } from '@jest/globals';
import { callUrls, gatherUrl, InvalidCallUrlError, parseAttempt, parseStatusCallbackQuery } from './call-contract.js';

const BASE = 'https://calls.nudge.test';
const ALERT = '6f1d2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';

describe('the call-attempt contract', () => {
  it('names the alert and the attempt in the TwiML and status callback URLs the worker hands Twilio', () => {
    expect(callUrls(BASE, { alertId: ALERT, attempt: 2 })).toEqual({
      url: `${BASE}/twilio/voice/alerts/${ALERT}?attempt=2`,
      statusCallback: `${BASE}/twilio/status?alert_id=${ALERT}&attempt=2`,
    });
    expect(gatherUrl(BASE, ALERT, 2)).toBe(`${BASE}/twilio/voice/alerts/${ALERT}/gather?attempt=2`);
    expect(gatherUrl(BASE, ALERT, undefined)).toBe(`${BASE}/twilio/voice/alerts/${ALERT}/gather`);
  });

  it('reads back what it builds', () => {
    const status = new URL(callUrls(BASE, { alertId: ALERT, attempt: 3 }).statusCallback);
    expect(parseStatusCallbackQuery(Object.fromEntries(status.searchParams))).toEqual({ alertId: ALERT, attempt: 3 });
    expect(parseStatusCallbackQuery({})).toEqual({ alertId: undefined, attempt: undefined });
  });

  it.each(['0', '-1', '1.5', '1e3', '1000', ' 1', 'one', ''])('refuses the attempt %j', (attempt) => {
    expect(() => parseAttempt(attempt)).toThrow(InvalidCallUrlError);
  });

  it('refuses an alert id that is not a uuid', () => {
    expect(() => parseStatusCallbackQuery({ alert_id: "1' or '1'='1", attempt: '1' })).toThrow(InvalidCallUrlError);
  });
});
