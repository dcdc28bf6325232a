import type { Sql } from '@nudge/db';
import { generateApiToken, storeApiToken } from '../auth/api-token.js';
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
export async function createUser(sql: Sql, input: NewUser): Promise<{ user: UserRow; token: string }> {
  const token = generateApiToken();
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
      await storeApiToken(tx, user.id, token, 'created by an admin');
      return { user, token };
    });
  } catch (err) {
    if ((err as { constraint_name?: string }).constraint_name === 'users_org_email_key') {
      throw new EmailTakenError(`your organisation already has a user with the email ${input.email}`);
    }
    throw err;
  }
}
