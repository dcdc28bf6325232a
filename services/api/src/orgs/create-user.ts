import type { Sql } from '@nudge/db';
import { issueToken } from '../auth/personal-access-tokens.js';
import { EmailTakenError } from './create-organization.js';
import { USER_COLUMNS, type UserRow } from './users.js';

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
export async function createUser(sql: Sql, input: NewUser, now: Date = new Date()): Promise<{ user: UserRow; token: string }> {
  try {
    return await sql.begin(async (tx) => {
      const [user] = await tx<UserRow[]>`
        insert into users (org_id, email, name, phone_e164, timezone, role)
        values (${input.orgId}, ${input.email}, ${input.name}, ${input.phoneE164}, ${input.timezone}, ${input.role})
        returning ${tx.unsafe(USER_COLUMNS)}`;
      // A number an admin sets starts unverified (the column's default): only its owner can verify it.
      const { token } = await issueToken(tx, { userId: user!.id, name: 'created by an admin', lifetimeDays: undefined, now });
      return { user: user!, token };
    });
  } catch (err) {
    if ((err as { constraint_name?: string }).constraint_name === 'users_org_email_key') {
      throw new EmailTakenError(`your organisation already has a user with the email ${input.email}`);
    }
    throw err;
  }
}
