import { createHash, randomBytes } from 'node:crypto';
import type { Sql, TransactionSql } from '@nudge/db';

/** An invitation link is valid this long. */
export const INVITATION_LIFETIME_MS = 7 * 24 * 3_600_000;

export function newInvitationSecret(): string {
  return `inv_${randomBytes(32).toString('base64url')}`;
}

export function hashInvitationSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function looksLikeInvitationSecret(secret: string): boolean {
  return /^inv_[A-Za-z0-9_-]{43}$/.test(secret);
}

export interface InvitationRow {
  id: string;
  org_id: string;
  email: string;
  role: 'admin' | 'member';
  invited_by: string | null;
  created_at: Date;
  expires_at: Date;
  accepted_at: Date | null;
}

const COLUMNS = 'id, org_id, email, role, invited_by, created_at, expires_at, accepted_at';

/** A new invitation; returns its row and the secret for the link, shown once (only its hash is stored). */
export async function createInvitation(
  sql: Sql,
  input: { orgId: string; email: string; role: 'admin' | 'member'; invitedBy: string },
  now: Date,
): Promise<{ invitation: InvitationRow; secret: string }> {
  const secret = newInvitationSecret();
  const [invitation] = await sql<InvitationRow[]>`
    insert into invitations (org_id, email, role, token_hash, invited_by, created_at, expires_at)
    values (${input.orgId}, ${input.email}, ${input.role}, ${hashInvitationSecret(secret)}, ${input.invitedBy}, ${now},
            ${new Date(now.getTime() + INVITATION_LIFETIME_MS)})
    returning ${sql.unsafe(COLUMNS)}`;
  return { invitation: invitation!, secret };
}

export async function pendingInvitations(sql: Sql, orgId: string, now: Date): Promise<InvitationRow[]> {
  return sql<InvitationRow[]>`
    select ${sql.unsafe(COLUMNS)} from invitations
    where org_id = ${orgId} and accepted_at is null and expires_at > ${now}
    order by created_at desc`;
}

export async function withdrawInvitation(sql: Sql, orgId: string, id: string): Promise<boolean> {
  const rows = await sql`delete from invitations where id = ${id} and org_id = ${orgId} and accepted_at is null`;
  return rows.count > 0;
}

export type InvitationLookup =
  { status: 'valid'; invitation: InvitationRow; orgName: string } | { status: 'unknown' | 'used' | 'expired' };

export async function findInvitation(sql: Sql, secret: string, now: Date): Promise<InvitationLookup> {
  if (!looksLikeInvitationSecret(secret)) return { status: 'unknown' };
  const [row] = await sql<(InvitationRow & { org_name: string })[]>`
    select i.id, i.org_id, i.email, i.role, i.invited_by, i.created_at, i.expires_at, i.accepted_at, o.name as org_name
    from invitations i join organizations o on o.id = i.org_id
    where i.token_hash = ${hashInvitationSecret(secret)}`;
  if (row === undefined) return { status: 'unknown' };
  if (row.accepted_at !== null) return { status: 'used' };
  if (row.expires_at <= now) return { status: 'expired' };
  const { org_name: orgName, ...invitation } = row;
  return { status: 'valid', invitation, orgName };
}

/** Spends an invitation: it admitted `userId` and admits nobody again. */
export async function markInvitationAccepted(
  tx: TransactionSql,
  invitationId: string,
  userId: string,
  now: Date,
): Promise<void> {
  await tx`update invitations set accepted_at = ${now}, accepted_by = ${userId} where id = ${invitationId}`;
}
