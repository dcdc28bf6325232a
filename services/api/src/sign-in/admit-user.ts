import type { Sql, TransactionSql } from '@nudge/db';
import { hashInvitationSecret, looksLikeInvitationSecret, markInvitationAccepted } from '../invitations/invitations.js';
import { bindGoogleAccount, insertUser } from '../orgs/users.js';
import type { GoogleIdentity } from './google-id-token.js';
import { SignInError } from './sign-in-error.js';

export type Admission = {
  userId: string;
  orgId: string;
  how: 'google_account' | 'email' | 'invitation' | 'workspace_domain';
};

interface Candidate {
  id: string;
  org_id: string;
  google_sub: string | null;
  deactivated: boolean;
}

const ASK = 'Ask an admin of your organisation in Nudge to invite you';

/**
 * Who a verified Google identity signs in as, or why nobody: the user already bound to its
 * `sub`; else the holder of this browser's invitation (which must be for this email); else the
 * one Nudge user with this verified email, bound to the `sub` from now on; else a new member of
 * the organisation that admits the account's Workspace domain (`hd`). Binding and creating
 * happen in one transaction, so two sign-ins at once cannot bind twice.
 */
export async function admitUser(
  sql: Sql,
  identity: GoogleIdentity,
  invitationSecret: string | undefined,
  now: Date,
): Promise<Admission> {
  return sql.begin(async (tx) => {
    const [bound] = await tx<Candidate[]>`
      select id, org_id, google_sub, deactivated_at is not null as deactivated from users where google_sub = ${identity.sub} for update`;
    if (bound !== undefined) {
      if (bound.deactivated) throw deactivated(identity.email);
      if (invitationSecret !== undefined) await acceptInvitation(tx, invitationSecret, identity, now, bound);
      return { userId: bound.id, orgId: bound.org_id, how: 'google_account' };
    }
    if (invitationSecret !== undefined) {
      const admitted = await acceptInvitation(tx, invitationSecret, identity, now, undefined);
      return { ...admitted, how: 'invitation' };
    }
    const byEmail = await tx<Candidate[]>`
      select id, org_id, google_sub, deactivated_at is not null as deactivated from users where lower(email) = ${identity.email} for update`;
    if (byEmail.length > 0) {
      const unbound = byEmail.filter((user) => user.google_sub === null);
      if (unbound.length === 0) {
        throw new SignInError(
          'bound_to_other_account',
          `${identity.email} signs in to Nudge with another Google account; use that one, or ${ASK.toLowerCase()} again`,
          403,
        );
      }
      if (unbound.length > 1) {
        throw new SignInError(
          'ambiguous_email',
          `${identity.email} belongs to more than one organisation in Nudge; sign in with the invitation link your admin sent you`,
          403,
        );
      }
      const user = unbound[0]!;
      if (user.deactivated) throw deactivated(identity.email);
      await bindGoogleAccount(tx, user.id, identity.sub);
      return { userId: user.id, orgId: user.org_id, how: 'email' };
    }
    if (identity.hd !== undefined) {
      const [org] = await tx<
        { id: string }[]
      >`select id from organizations where google_workspace_domain = ${identity.hd.toLowerCase()}`;
      if (org !== undefined) {
        const userId = await insertGoogleUser(tx, org.id, identity, 'member');
        return { userId, orgId: org.id, how: 'workspace_domain' };
      }
      throw new SignInError(
        'wrong_workspace_domain',
        `No organisation in Nudge admits the Google Workspace domain ${identity.hd}. ${ASK} as ${identity.email}, or to admit ${identity.hd}.`,
        403,
      );
    }
    throw new SignInError(
      'not_invited',
      `Nudge has no account for ${identity.email}. ${ASK}; the invitation comes by email or as a link from them.`,
      403,
    );
  });
}

function deactivated(email: string): SignInError {
  return new SignInError(
    'deactivated',
    `The Nudge account of ${email} was deactivated. Ask an admin of your organisation to reactivate it.`,
    403,
  );
}

async function insertGoogleUser(
  tx: TransactionSql,
  orgId: string,
  identity: GoogleIdentity,
  role: 'admin' | 'member',
): Promise<string> {
  const user = await insertUser(tx, {
    org_id: orgId,
    email: identity.email,
    name: identity.name ?? identity.email.split('@')[0]!,
    phone_e164: null,
    timezone: 'UTC',
    role,
    is_operator: false,
    google_sub: identity.sub,
  });
  return user.id;
}

/** Spends the invitation (single use) for this identity: its email must be the invited one. */
async function acceptInvitation(
  tx: TransactionSql,
  secret: string,
  identity: GoogleIdentity,
  now: Date,
  already: Candidate | undefined,
): Promise<{ userId: string; orgId: string }> {
  const [invitation] = looksLikeInvitationSecret(secret)
    ? await tx<
        {
          id: string;
          org_id: string;
          email: string;
          role: 'admin' | 'member';
          expires_at: Date;
          accepted_at: Date | null;
        }[]
      >`
        select id, org_id, email, role, expires_at, accepted_at from invitations where token_hash = ${hashInvitationSecret(secret)} for update`
    : [];
  if (invitation === undefined)
    throw new SignInError(
      'invitation_unknown',
      'This invitation link is not valid. Ask the admin who invited you for a new one.',
      403,
    );
  if (invitation.accepted_at !== null)
    throw new SignInError(
      'invitation_used',
      'This invitation was already used. Sign in with Google, or ask the admin who invited you for a new one.',
      403,
    );
  if (invitation.expires_at <= now)
    throw new SignInError(
      'invitation_expired',
      'This invitation expired (they last 7 days). Ask the admin who invited you for a new one.',
      403,
    );
  if (invitation.email.toLowerCase() !== identity.email) {
    throw new SignInError(
      'invitation_other_email',
      `This invitation is for ${invitation.email}, but you signed in with Google as ${identity.email}. Sign in as ${invitation.email}.`,
      403,
    );
  }
  let userId: string;
  if (already !== undefined) {
    if (already.org_id !== invitation.org_id) {
      throw new SignInError(
        'bound_to_other_account',
        `${identity.email} already uses Nudge in another organisation; one Google account signs in to one organisation`,
        403,
      );
    }
    userId = already.id;
  } else {
    const [existing] = await tx<Candidate[]>`
      select id, org_id, google_sub, deactivated_at is not null as deactivated from users
      where org_id = ${invitation.org_id} and lower(email) = ${identity.email} for update`;
    if (existing?.deactivated === true) throw deactivated(identity.email);
    if (existing !== undefined && existing.google_sub !== null) {
      throw new SignInError(
        'bound_to_other_account',
        `${identity.email} signs in to Nudge with another Google account; use that one`,
        403,
      );
    }
    if (existing !== undefined) {
      await bindGoogleAccount(tx, existing.id, identity.sub);
      userId = existing.id;
    } else {
      userId = await insertGoogleUser(tx, invitation.org_id, identity, invitation.role);
    }
  }
  await markInvitationAccepted(tx, invitation.id, userId, now);
  return { userId, orgId: invitation.org_id };
}
