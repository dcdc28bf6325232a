import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { sqlLiterals } from './sql-literals.js';

/** One SQL statement in the source that writes a table. */
export interface TableWrite {
  /** Path from the repository root, with forward slashes. */
  file: string;
  line: number;
  table: string;
  /** `insert into`, `update` or `delete from`. */
  verb: string;
}

export interface OwnershipReport {
  /** Writes of an owned table from outside its owner. */
  violations: (TableWrite & { owner: string })[];
  /** Tables written somewhere that have no declared owner yet, with their writers. */
  unowned: Map<string, TableWrite[]>;
}

const WRITE = /\b(insert\s+into|update|delete\s+from)\s+("?)([a-z_][a-z0-9_]*)\2/gi;

/** The writes of the given tables in one source file. */
export function findTableWrites(file: string, text: string, tables: ReadonlySet<string>): TableWrite[] {
  const writes: TableWrite[] = [];
  for (const literal of sqlLiterals(file, text)) {
    for (const match of literal.text.matchAll(WRITE)) {
      const table = match[3]!.toLowerCase();
      if (!tables.has(table)) continue;
      const line = literal.line + (literal.text.slice(0, match.index).match(/\n/g)?.length ?? 0);
      writes.push({ file, line, table, verb: match[1]!.toLowerCase().replace(/\s+/, ' ') });
    }
  }
  return writes;
}

/** Sorts writes into violations of `owners` and writes of tables nobody owns yet. */
export function checkOwnership(
  writes: readonly TableWrite[],
  owners: Readonly<Record<string, string>>,
): OwnershipReport {
  const report: OwnershipReport = { violations: [], unowned: new Map() };
  for (const write of writes) {
    const owner = owners[write.table];
    if (owner === undefined) report.unowned.set(write.table, [...(report.unowned.get(write.table) ?? []), write]);
    else if (!write.file.startsWith(owner)) report.violations.push({ ...write, owner });
  }
  return report;
}

export function describeViolation(v: TableWrite & { owner: string }): string {
  return `${v.file}:${v.line} writes ${v.table} (${v.verb}); only ${v.owner} may`;
}

/** Every table the migrations create. */
export function migrationTables(root: string): Set<string> {
  const dir = join(root, 'packages/db/migrations');
  const tables = new Set<string>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.sql'))) {
    for (const match of readFileSync(join(dir, name), 'utf8').matchAll(
      /create\s+(?:unlogged\s+)?table\s+(?:if\s+not\s+exists\s+)?"?([a-z_][a-z0-9_]*)/gi,
    )) {
      tables.add(match[1]!.toLowerCase());
    }
  }
  return tables;
}

/** Not production code: tests, the test kit, benchmarks, end-to-end tests, generators, build output. */
const EXCLUDED_PACKAGES = new Set([
  'packages/testkit',
  'packages/bench',
  'packages/e2e',
  'packages/boundaries',
  'packages/api-types',
]);
/** `testing/` folders hold test helpers, built only by a role's tsconfig.test.json (never into an image). */
const EXCLUDED_DIRS = new Set(['node_modules', 'dist', 'testing']);

/** The production TypeScript sources under packages/* and services/*, as paths from the root. */
export function productionSources(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!EXCLUDED_DIRS.has(entry.name)) walk(path);
      } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        files.push(relative(root, path).split(sep).join('/'));
      }
    }
  };
  for (const group of ['packages', 'services']) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      const pkg = `${group}/${entry.name}`;
      if (entry.isDirectory() && !EXCLUDED_PACKAGES.has(pkg)) walk(join(root, pkg));
    }
  }
  return files.sort();
}
