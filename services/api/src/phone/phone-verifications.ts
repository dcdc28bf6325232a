import { randomUUID } from 'node:crypto';
import type { Sql } from '@nudge/db';
import type { VerificationCodes } from '@nudge/domain';
import { markPhoneVerified, type UserRow } from '../orgs/users.js';

/** How long a code may be entered. */
export const CODE_LIFETIME_MS = 10 * 60_000;
/** Codes sent per hour, per user and (across all users) per number. */
export const CODES_PER_HOUR = 5;
/** Wrong entries a code survives; after that, a new code is needed. */
export const WRONG_ENTRIES_PER_CODE = 5;
const HOUR_MS = 3_600_000;

export type Channel = 'call' | 'sms';

export interface PendingVerification {
  id: string;
  phone_e164: string;
  channel: Channel;
  created_at: Date;
  expires_at: Date;
}

export type StartOutcome =
  | { kind: 'started'; verification: PendingVerification }
  | { kind: 'no_phone' }
  | { kind: 'already_verified' }
  | { kind: 'rate_limited'; scope: 'user' | 'number'; retryAfterSeconds: number };

/**
 * Records a new code for the user's current number, within the hourly limits. The user's row
 * lock and an advisory lock per number serialise concurrent requests, so the limits hold under
 * any concurrency. The code itself is not stored, only its keyed hash; the caller sends it.
 */
export async function startVerification(
  sql: Sql,
  codes: VerificationCodes,
  input: { userId: string; channel: Channel; now: Date },
): Promise<StartOutcome> {
  const { now } = input;
  return sql.begin(async (tx) => {
    const [user] = await tx<{ phone_e164: string | null; phone_verified_at: Date | null }[]>`
      select phone_e164, phone_verified_at from users where id = ${input.userId} for update`;
    if (user?.phone_e164 == null) return { kind: 'no_phone' };
    if (user.phone_verified_at !== null) return { kind: 'already_verified' };
    const phone = user.phone_e164;
    const phoneHash = codes.phoneHash(phone);
    await tx`select pg_advisory_xact_lock(hashtextextended(${`nudge/phone-verification/${phoneHash}`}, 0))`;
    const since = new Date(now.getTime() - HOUR_MS);
    const [counts] = await tx<
      { by_user: number; by_number: number; user_oldest: Date | null; number_oldest: Date | null }[]
    >`
      select
        count(*) filter (where user_id = ${input.userId})::int as by_user,
        count(*) filter (where phone_hash = ${phoneHash})::int as by_number,
        min(created_at) filter (where user_id = ${input.userId}) as user_oldest,
        min(created_at) filter (where phone_hash = ${phoneHash}) as number_oldest
      from phone_verifications
      where (user_id = ${input.userId} or phone_hash = ${phoneHash}) and created_at > ${since}`;
    const limited = (count: number, oldest: Date | null, scope: 'user' | 'number'): StartOutcome | undefined =>
      count >= CODES_PER_HOUR && oldest !== null
        ? {
            kind: 'rate_limited',
            scope,
            retryAfterSeconds: Math.max(1, Math.ceil((oldest.getTime() + HOUR_MS - now.getTime()) / 1000)),
          }
        : undefined;
    const refusal =
      limited(counts!.by_user, counts!.user_oldest, 'user') ??
      limited(counts!.by_number, counts!.number_oldest, 'number');
    if (refusal !== undefined) return refusal;

    const id = randomUUID();
    const [verification] = await tx<Omit<PendingVerification, 'phone_e164'>[]>`
      insert into phone_verifications (id, user_id, phone_hash, channel, code_hash, created_at, expires_at)
      values (${id}, ${input.userId}, ${phoneHash}, ${input.channel}, ${codes.hashOf(id, codes.codeFor(id))}, ${now}, ${new Date(now.getTime() + CODE_LIFETIME_MS)})
      returning id, channel, created_at, expires_at`;
    return { kind: 'started', verification: { ...verification!, phone_e164: phone } };
  });
}

/** What Twilio answered when asked to deliver the code. */
export async function recordDelivery(
  sql: Sql,
  verificationId: string,
  outcome: { providerRef: string } | { failedReason: string },
): Promise<void> {
  if ('providerRef' in outcome)
    await sql`update phone_verifications set provider_ref = ${outcome.providerRef} where id = ${verificationId}`;
  else
    await sql`update phone_verifications set failed_reason = ${outcome.failedReason.slice(0, 500)} where id = ${verificationId}`;
}

export type ConfirmOutcome =
  | { kind: 'verified'; user: UserRow }
  | { kind: 'none_pending' }
  | { kind: 'expired' }
  | { kind: 'too_many_wrong' }
  | { kind: 'wrong'; remaining: number };

/**
 * Checks a code against the newest code sent to the user's current number. Only the newest
 * counts, so asking for more codes never multiplies the guesses; each code allows
 * WRONG_ENTRIES_PER_CODE wrong entries, counted under the row lock.
 */
export async function confirmVerification(
  sql: Sql,
  codes: VerificationCodes,
  input: { userId: string; code: string; now: Date },
): Promise<ConfirmOutcome> {
  return sql.begin(async (tx): Promise<ConfirmOutcome> => {
    const [latest] = await tx<
      {
        id: string;
        phone_hash: string;
        phone_e164: string | null;
        code_hash: string;
        expires_at: Date;
        wrong_entries: number;
        verified_at: Date | null;
      }[]
    >`
      select v.id, v.phone_hash, u.phone_e164, v.code_hash, v.expires_at, v.wrong_entries, v.verified_at
      from phone_verifications v
      join users u on u.id = v.user_id
      where v.user_id = ${input.userId} and u.phone_verified_at is null and v.failed_reason is null
      order by v.created_at desc, v.id
      limit 1
      for update of v, u`;
    // The newest code went to another number (the user changed it since): it proves nothing now.
    if (
      latest === undefined ||
      latest.verified_at !== null ||
      latest.phone_e164 === null ||
      codes.phoneHash(latest.phone_e164) !== latest.phone_hash
    ) {
      return { kind: 'none_pending' };
    }
    if (latest.expires_at.getTime() <= input.now.getTime()) return { kind: 'expired' };
    if (latest.wrong_entries >= WRONG_ENTRIES_PER_CODE) return { kind: 'too_many_wrong' };
    if (!codes.matches(latest.id, input.code, latest.code_hash)) {
      await tx`update phone_verifications set wrong_entries = wrong_entries + 1 where id = ${latest.id}`;
      return { kind: 'wrong', remaining: WRONG_ENTRIES_PER_CODE - latest.wrong_entries - 1 };
    }
    await tx`update phone_verifications set verified_at = ${input.now} where id = ${latest.id}`;
    return { kind: 'verified', user: await markPhoneVerified(tx, input.userId, input.now) };
  });
}
