import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, SmtpReceiver, type TestDatabase } from '@nudge/testkit';
import { newOrg, startApi, type ApiUnderTest } from '../../testing/api-under-test.js';

let db: TestDatabase;
let smtp: SmtpReceiver;
let api: ApiUnderTest;

beforeAll(async () => {
  db = await createTestDatabase();
  smtp = await SmtpReceiver.start();
  api = await startApi(db, { env: { SMTP_URL: smtp.url, MAIL_FROM: 'Nudge <nudge@example.test>' } });
});
afterAll(async () => {
  await api.close();
  await smtp.close();
  await db.drop();
});

describe('invitation emails', () => {
  it('sends the invitation link to the invited address through SMTP_URL', async () => {
    const admin = await newOrg(db);
    const response = await api.request('/v1/admin/invitations', {
      method: 'POST',
      token: admin.token,
      body: { email: 'colleague@example.test' },
    });
    expect(response.status).toBe(201);
    const { url, emailed } = response.json<{ url: string; emailed: boolean }>();
    expect(emailed).toBe(true);
    expect(smtp.messages).toHaveLength(1);
    const [mail] = smtp.messages;
    expect(mail!.from).toBe('nudge@example.test');
    expect(mail!.to).toEqual(['colleague@example.test']);
    expect(mail!.raw).toMatch(/^Subject: .*invited you to Org \d+ on Nudge/m);
    expect(mail!.text).toContain(url);
    expect(mail!.text).toContain('signing in with Google as colleague@example.test');
  });

  it('still answers the link when the mail server is gone, saying it was not emailed', async () => {
    const admin = await newOrg(db);
    await smtp.close();
    const response = await api.request('/v1/admin/invitations', {
      method: 'POST',
      token: admin.token,
      body: { email: 'later@example.test' },
    });
    expect(response.status).toBe(201);
    expect(response.json()).toMatchObject({
      emailed: false,
      url: expect.stringContaining('/v1/auth/google/start?invitation=inv_'),
    });
    expect(api.logLines.some((line) => line.event === 'invitation.email_failed')).toBe(true);
  });
});
