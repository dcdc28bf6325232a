import type { Sql } from '@nudge/db';
import { issueToken } from '../auth/personal-access-tokens.js';
import { insertOrganization, insertUser } from './users.js';

export interface NewOrganization {
  orgName: string;
  email: string;
  name: string;
  phoneE164: string | null;
  timezone: string;
  /** Make the admin an operator of the deployment even when other organisations exist. */
  operator: boolean;
}

export interface CreatedOrganization {
  orgId: string;
  userId: string;
  /** Shown once: only its hash is stored. */
  token: string;
  isOperator: boolean;
}

export class EmailTakenError extends Error {
  override readonly name = 'EmailTakenError';
}

/** Serialises "is this the first organisation?" across concurrent creations. */
const FIRST_ORG_LOCK_KEY = 0x6e6f7267; // "norg"

/**
 * Creates an organisation with its first admin and an API token for that admin. The first
 * organisation in an empty database makes its admin an operator.
 */
export async function createOrganization(sql: Sql, input: NewOrganization): Promise<CreatedOrganization> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${FIRST_ORG_LOCK_KEY})`;
    const [{ first } = { first: false }] = await tx<{ first: boolean }[]>`
      select not exists (select 1 from organizations) as first`;
    const isOperator = input.operator || first;
    // Only the operator runs this (nudge-admin), who may see every organisation: one address
    // as the first admin of two organisations is almost always a typo, so it is refused here.
    const [taken] = await tx`select 1 from users where email = ${input.email} limit 1`;
    if (taken !== undefined) throw new EmailTakenError(`a user with the email ${input.email} already exists`);
    const org = await insertOrganization(tx, input.orgName);
    const user = await insertUser(tx, {
      org_id: org.id,
      email: input.email,
      name: input.name,
      phone_e164: input.phoneE164,
      timezone: input.timezone,
      role: 'admin',
      is_operator: isOperator,
    });
    const { token } = await issueToken(tx, {
      userId: user.id,
      name: 'created with the organisation',
      lifetimeDays: undefined,
      now: new Date(),
    });
    return { orgId: org.id, userId: user.id, token, isOperator };
  });
}
