import type { Sql } from '@nudge/db';
import { generateApiToken, hashApiToken } from '../auth/api-token.js';
import { EmailTakenError } from './create-organization.js';
import type { UserRow } from './users.js';

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
      const [user] = await tx<UserRow[]>`
        insert into users (org_id, email, name, phone_e164, timezone, role)
        values (${input.orgId}, ${input.email}, ${input.name}, ${input.phoneE164}, ${input.timezone}, ${input.role})
        returning id, org_id, email, name, phone_e164, timezone, role, is_operator, created_at`;
      await tx`insert into api_tokens (user_id, token_hash, name) values (${user!.id}, ${hashApiToken(token)}, 'created by an admin')`;
      return { user: user!, token };
    });
  } catch (err) {
    if ((err as { constraint_name?: string }).constraint_name === 'users_org_email_key') {
      throw new EmailTakenError(`your organisation already has a user with the email ${input.email}`);
    }
    throw err;
  }
}
