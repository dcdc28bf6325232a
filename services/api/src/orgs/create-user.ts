import type { Sql } from '@nudge/db';
import { issueToken } from '../auth/personal-access-tokens.js';
import { EmailTakenError } from './create-organization.js';
import { insertUser, type UserRow } from './users.js';

export interface NewUser {
  orgId: string;
  email: string;
  name: string;
  phoneE164: string | null;
  timezone: string;
  role: 'admin' | 'member';
}

/**
 * A user in the caller's organisation with a first API token, shown once. Emails are unique per
 * organisation, so the answer never depends on other organisations' users.
 */
export async function createUser(
  sql: Sql,
  input: NewUser,
  now: Date = new Date(),
): Promise<{ user: UserRow; token: string }> {
  try {
    return await sql.begin(async (tx) => {
      const user = await insertUser(tx, {
        org_id: input.orgId,
        email: input.email,
        name: input.name,
        phone_e164: input.phoneE164,
        timezone: input.timezone,
        role: input.role,
        is_operator: false,
      });
      // A number an admin sets starts unverified (the column's default): only its owner can verify it.
      const { token } = await issueToken(tx, {
        userId: user.id,
        name: 'created by an admin',
        lifetimeDays: undefined,
        now,
      });
      return { user, token };
    });
  } catch (err) {
    if ((err as { constraint_name?: string }).constraint_name === 'users_org_email_key') {
      throw new EmailTakenError(`your organisation already has a user with the email ${input.email}`);
    }
    throw err;
  }
}
