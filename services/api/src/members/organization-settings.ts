import type { Sql } from '@nudge/db';

export interface OrganizationSettings {
  id: string;
  name: string;
  google_workspace_domain: string | null;
}

export class DomainTakenError extends Error {}

export async function organizationSettings(sql: Sql, orgId: string): Promise<OrganizationSettings | undefined> {
  const [row] = await sql<OrganizationSettings[]>`select id, name, google_workspace_domain from organizations where id = ${orgId}`;
  return row;
}

/** Everyone of this Google Workspace domain may sign in as a member (null: nobody by domain). */
export async function setWorkspaceDomain(sql: Sql, orgId: string, domain: string | null): Promise<OrganizationSettings | undefined> {
  try {
    const [row] = await sql<OrganizationSettings[]>`
      update organizations set google_workspace_domain = ${domain} where id = ${orgId} returning id, name, google_workspace_domain`;
    return row;
  } catch (err) {
    if ((err as { constraint_name?: string }).constraint_name === 'organizations_google_workspace_domain_key') {
      throw new DomainTakenError(`another organisation already admits ${domain}`);
    }
    throw err;
  }
}
