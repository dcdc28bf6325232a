import type { Sql } from '@nudge/db';

/** A user as the API shows it. */
export interface UserRow {
  id: string;
  org_id: string;
  email: string;
  name: string;
  phone_e164: string | null;
  /** When the owner proved they hold phone_e164; null until then. Only verified numbers are called. */
  phone_verified_at: Date | null;
  timezone: string;
  role: 'admin' | 'member';
  is_operator: boolean;
  created_at: Date;
}

/** The columns of a UserRow, for queries that return one. */
export const USER_COLUMNS = 'id, org_id, email, name, phone_e164, phone_verified_at, timezone, role, is_operator, created_at';

export interface UserChanges {
  name?: string;
  phone_e164?: string | null;
  timezone?: string;
}

/** Applies the changes; a different phone number loses its verification in the same statement. */
export async function updateUser(sql: Sql, orgId: string, userId: string, changes: UserChanges): Promise<UserRow | undefined> {
  const columns = (Object.keys(changes) as (keyof UserChanges)[]).filter((key) => changes[key] !== undefined);
  const phoneChanges = changes.phone_e164 !== undefined;
  const [row] = await sql<UserRow[]>`
    update users set ${sql(changes, columns)},
      phone_verified_at = case when ${phoneChanges} and phone_e164 is distinct from ${changes.phone_e164 ?? null} then null else phone_verified_at end
    where id = ${userId} and org_id = ${orgId}
    returning ${sql.unsafe(USER_COLUMNS)}`;
  return row;
}
