import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from '@nudge/testkit';
import ts from 'typescript';

/**
 * The image build compiles only the roles' production projects (infra/Dockerfile:
 * `tsc -b services/api services/calls services/worker`). Tests and their helpers live in each
 * role's tsconfig.test.json, so no build of an image can ship them, whatever a `files` list says.
 */
const PRODUCTION_PROJECTS = ['services/api', 'services/calls', 'services/worker', 'packages/web'];

/** The files a project's tsconfig (`tsconfig.json` or `tsconfig.test.json`) compiles, from the repository root. */
function sourcesOf(project: string, config = 'tsconfig.json'): string[] {
  const configPath = path.join(REPO_ROOT, project, config);
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(String(d.messageText));
      },
    },
  );
  if (parsed === undefined) throw new Error(`cannot read ${configPath}`);
  return parsed.fileNames.map((file) => path.relative(REPO_ROOT, file));
}

describe('what a production build compiles', () => {
  it.each(PRODUCTION_PROJECTS)('%s: no test, no test helper, nothing that imports the testkit', (project) => {
    const files = sourcesOf(project);
    expect(files.length).toBeGreaterThan(0);
    expect(
      files.filter((file) => /\.test\.ts$|\/testing\/|\/browser\/|\/bundle\/|\/accessibility\//.test(file)),
    ).toEqual([]);
    expect(
      files.filter((file) => readFileSync(path.join(REPO_ROOT, file), 'utf8').includes("'@nudge/testkit'")),
    ).toEqual([]);
  });

  it.each(PRODUCTION_PROJECTS)('%s: its tests and helpers are built by tsconfig.test.json instead', (project) => {
    const files = sourcesOf(project, 'tsconfig.test.json');
    expect(files.some((file) => file.endsWith('.test.ts'))).toBe(true);
    expect(
      files.filter((file) => !/\.test\.ts$|\/testing\/|\/browser\/|\/bundle\/|\/accessibility\//.test(file)),
    ).toEqual([]);
  });
});
