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

/** The projects a production project references, transitively (tsconfig `references`), from the repository root. */
function referenceClosure(project: string, seen = new Set<string>()): Set<string> {
  const configPath = path.join(REPO_ROOT, project, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile) as {
    config?: { references?: { path: string }[] };
    error?: ts.Diagnostic;
  };
  if (error !== undefined || config === undefined) throw new Error(`cannot read ${configPath}`);
  for (const reference of config.references ?? []) {
    const referenced = path.relative(REPO_ROOT, path.join(REPO_ROOT, project, reference.path));
    if (seen.has(referenced)) continue;
    seen.add(referenced);
    referenceClosure(referenced, seen);
  }
  return seen;
}

/** A stage of infra/Dockerfile: the stage it builds FROM, and its lines. */
interface Stage {
  from: string;
  body: string;
}

/** The stages of infra/Dockerfile by name (`FROM base AS name`). */
function dockerfileStages(): Map<string, Stage> {
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'infra/Dockerfile'), 'utf8');
  const stages = new Map<string, Stage>();
  for (const part of dockerfile.split(/^FROM /m).slice(1)) {
    const header = /^(\S+) AS (\S+)\n/.exec(part);
    if (header === null) throw new Error(`infra/Dockerfile: a FROM without AS: FROM ${part.split('\n')[0]}`);
    stages.set(header[2]!, { from: header[1]!, body: part });
  }
  return stages;
}

/**
 * The workspace folders a build stage of infra/Dockerfile copies (`COPY packages/x packages/x`),
 * its own and those of the stages it builds FROM, in turn; a folder copied twice is listed twice.
 */
function copiedByStage(name: string, stages = dockerfileStages()): string[] {
  const stage = stages.get(name);
  if (stage === undefined) throw new Error(`infra/Dockerfile has no stage ${name}`);
  const own = [...stage.body.matchAll(/^COPY ((?:packages|services)\/[a-z-]+) \1$/gm)].map((match) => match[1]!);
  const inherited = stages.has(stage.from) ? copiedByStage(stage.from, stages) : [];
  return [...inherited, ...own].sort();
}

describe('what each image builds from', () => {
  it.each(['api', 'calls', 'worker'])(
    '%s: its stage and the stages it builds FROM copy exactly the workspace projects its build references, never the testkit',
    (role) => {
      const closure = [...referenceClosure(`services/${role}`)].sort();
      expect(closure.filter((project) => /testkit|e2e|bench|api-types|boundaries/.test(project))).toEqual([]);
      expect(copiedByStage(`build-${role}`)).toEqual([...closure, `services/${role}`].sort());
    },
  );
});
