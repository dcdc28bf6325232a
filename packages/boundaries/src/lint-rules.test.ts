import { describe, expect, it, jest } from '@jest/globals';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

// The repository's own eslint.config.js, run on source text placed at real paths of the tree,
// so each rule is shown to fire on the violation it exists for (and not on the clean version).
const eslint = new ESLint({ cwd: REPO_ROOT });
// Type-aware rules load the TypeScript project of each file first.
jest.setTimeout(180_000);

async function ruleIdsFor(path: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: `${REPO_ROOT}${path}` });
  return (result?.messages ?? []).map((message) => message.ruleId ?? `fatal: ${message.message}`);
}

describe('the lint rules that encode the boundaries', () => {
  it('a role importing another role is an error', async () => {
    expect(await ruleIdsFor('services/api/src/app.ts', "export { startWorker } from '@nudge/worker';\n")).toContain(
      'no-restricted-imports',
    );
    expect(await ruleIdsFor('services/calls/src/app.ts', "export * from '@nudge/api';\n")).toContain(
      'no-restricted-imports',
    );
  });

  it('the domain importing a client or another Nudge package with I/O is an error', async () => {
    expect(
      await ruleIdsFor('packages/domain/src/index.ts', "export { default as postgres } from 'postgres';\n"),
    ).toContain('no-restricted-imports');
    expect(
      await ruleIdsFor('packages/domain/src/index.ts', "export { readFile } from 'node:fs/promises';\n"),
    ).toContain('no-restricted-imports');
    expect(await ruleIdsFor('packages/domain/src/index.ts', "export { createHash } from 'node:crypto';\n")).toEqual([]);
  });

  it('production code importing the testkit is an error; a test file may', async () => {
    const text = "export { GoogleEmulator } from '@nudge/testkit';\n";
    expect(await ruleIdsFor('services/worker/src/main.ts', text)).toContain('no-restricted-imports');
    expect(await ruleIdsFor('packages/alerts/src/index.ts', text)).toContain('no-restricted-imports');
    expect(await ruleIdsFor('services/worker/src/dispatcher/dispatcher.test.ts', text)).toEqual([]);
  });

  it('a floating promise and a promise handed to a void callback are errors', async () => {
    const floating = 'async function work(): Promise<void> {}\nexport function start(): void {\n  work();\n}\n';
    expect(await ruleIdsFor('services/worker/src/main.ts', floating)).toContain(
      '@typescript-eslint/no-floating-promises',
    );
    const awaited =
      'async function work(): Promise<void> {}\nexport async function start(): Promise<void> {\n  await work();\n}\n';
    expect(await ruleIdsFor('services/worker/src/main.ts', awaited)).toEqual([]);
    const misused =
      "export function start(): void {\n  setTimeout(async () => {}, 1);\n  process.on('exit', async () => {});\n}\n";
    expect(await ruleIdsFor('services/worker/src/main.ts', misused)).toContain(
      '@typescript-eslint/no-misused-promises',
    );
  });

  it('a type-only import written as a value import is an error', async () => {
    const text = "import { Sql } from '@nudge/db';\nexport function f(sql: Sql): Sql {\n  return sql;\n}\n";
    expect(await ruleIdsFor('packages/alerts/src/index.ts', text)).toContain(
      '@typescript-eslint/consistent-type-imports',
    );
  });
});
