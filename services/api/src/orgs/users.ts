import type { Sql } from '@nudge/db';

/** A user as the API shows it. */
export interface UserRow {
  id: string;
  org_id: string;
  email: string;
  name: string;
  phone_e164: string | null;
  timezone: string;
  role: 'admin' | 'member';
  is_operator: boolean;
  created_at: Date;
}

export interface UserChanges {
  name?: string;
  phone_e164?: string | null;
  timezone?: string;
}

export async function updateUser(sql: Sql, orgId: string, userId: string, changes: UserChanges): Promise<UserRow | undefined> {
  const columns = (Object.keys(changes) as (keyof UserChanges)[]).filter((key) => changes[key] !== undefined);
  const [row] = await sql<UserRow[]>`
    update users set ${sql(changes, columns)}
    where id = ${userId} and org_id = ${orgId}
    returning id, org_id, email, name, phone_e164, timezone, role, is_operator, created_at`;
  return row;
}
