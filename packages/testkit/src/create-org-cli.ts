import { REPO_ROOT, RoleProcess } from './role-process.js';

/** What `nudge-admin create-org` prints: the new user's id and API token. */
export interface CreatedOrg {
  token: string;
  userId: string;
}

/**
 * An organisation and its first user made as an operator makes them: `nudge-admin create-org`
 * with `args` (`--org`, `--email`, `--name`, …) against `databaseUrl`. A failed command throws
 * with its output.
 */
export async function createOrgWithCli(databaseUrl: string, args: readonly string[]): Promise<CreatedOrg> {
  const cli = RoleProcess.startScript(`${REPO_ROOT}services/api/dist/cli.js`, ['create-org', ...args], {
    DATABASE_URL: databaseUrl,
  });
  const { code } = await cli.exited;
  if (code !== 0) throw new Error(`nudge-admin create-org failed:\n${cli.output()}`);
  return cli.lines[0] as unknown as CreatedOrg;
}
