import type { Sql } from '@nudge/db';
import { updateWorkspaceDomain, type OrganizationRow } from '../orgs/users.js';

export type OrganizationSettings = Pick<OrganizationRow, 'id' | 'name' | 'google_workspace_domain'>;

export class DomainTakenError extends Error {}

export async function organizationSettings(sql: Sql, orgId: string): Promise<OrganizationSettings | undefined> {
  const [row] = await sql<
    OrganizationSettings[]
  >`select id, name, google_workspace_domain from organizations where id = ${orgId}`;
  return row;
}

/** Everyone of this Google Workspace domain may sign in as a member (null: nobody by domain). */
export async function setWorkspaceDomain(
  sql: Sql,
  orgId: string,
  domain: string | null,
): Promise<OrganizationSettings | undefined> {
  try {
    return await updateWorkspaceDomain(sql, orgId, domain);
  } catch (err) {
    if ((err as { constraint_name?: string }).constraint_name === 'organizations_google_workspace_domain_key') {
      throw new DomainTakenError(`another organisation already admits ${domain}`);
    }
    throw err;
  }
}
