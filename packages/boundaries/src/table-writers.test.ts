import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { findStateLiterals } from './state-literals.js';
import { TABLE_OWNERS } from './table-owners.js';
import {
  checkOwnership,
  describeViolation,
  findTableWrites,
  migrationTables,
  productionSources,
} from './table-writers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tables = migrationTables(root);
const writes = productionSources(root).flatMap((file) =>
  findTableWrites(file, readFileSync(join(root, file), 'utf8'), tables),
);
const report = checkOwnership(writes, TABLE_OWNERS);
/** The owner of the alert tables may write states out where a partial index must match; nobody else. */
const stateLiterals = productionSources(root)
  .filter((file) => !file.startsWith(TABLE_OWNERS.alerts!))
  .flatMap((file) => findStateLiterals(file, readFileSync(join(root, file), 'utf8')));

describe('table writers', () => {
  it('every owned table is written only by its owner module', () => {
    expect(report.violations.map(describeViolation)).toEqual([]);
  });

  it('no SQL outside the alerts module compares with an alert state or delivery status written out', () => {
    expect(stateLiterals.map((l) => `${l.file}:${l.line} ${l.text}`)).toEqual([]);
  });

  it('every declared owner names a table the migrations create', () => {
    expect(Object.keys(TABLE_OWNERS).filter((table) => !tables.has(table))).toEqual([]);
  });

  it('finds the writes it checks (the scan reads the tree)', () => {
    expect(writes.filter((w) => w.table === 'alerts' && w.file.startsWith('packages/alerts/')).length).toBeGreaterThan(
      3,
    );
  });

  it('every table a production module writes has a declared owner', () => {
    const unowned = [...report.unowned.entries()].map(
      ([table, found]) => `${table}: ${[...new Set(found.map((w) => w.file))].join(', ')}`,
    );
    expect(unowned).toEqual([]);
  });
});

describe('the table-writer rule', () => {
  const owners = { alerts: 'packages/alerts/', deliveries: 'packages/alerts/' };
  const known = new Set(['alerts', 'deliveries', 'meetings']);

  it('reports a write of an owned table from another module, naming the file, line and table', () => {
    const source = [
      "import type { Sql } from '@nudge/db';",
      'export async function sneaky(sql: Sql, id: string) {',
      "  await sql`update alerts set state = 'acknowledged' where id = ${id}`;",
      '  await sql`',
      '    insert into deliveries ${sql({ alert_id: id })}`;',
      '}',
    ].join('\n');
    const report = checkOwnership(findTableWrites('services/api/src/sneaky.ts', source, known), owners);
    expect(report.violations.map(describeViolation)).toEqual([
      'services/api/src/sneaky.ts:3 writes alerts (update); only packages/alerts/ may',
      'services/api/src/sneaky.ts:5 writes deliveries (insert into); only packages/alerts/ may',
    ]);
  });

  it('accepts the owner’s writes, reads anywhere, and SQL words in comments or in code', () => {
    const source = [
      '// update alerts here? no: this comment is not SQL',
      'const update = (alerts: number) => alerts;',
      'export const q = (sql: any) => sql`select * from alerts a join deliveries d on d.alert_id = a.id for update of a`;',
      'export const upsert = (sql: any) => sql`insert into meetings (id) values (1) on conflict (id) do update set id = excluded.id`;',
    ].join('\n');
    expect(checkOwnership(findTableWrites('services/worker/src/reader.ts', source, known), owners).violations).toEqual(
      [],
    );
    expect(
      checkOwnership(
        findTableWrites('packages/alerts/src/owner.ts', 'sql`delete from deliveries where id = ${id}`', known),
        owners,
      ).violations,
    ).toEqual([]);
  });

  it('lists a table with no declared owner instead of failing', () => {
    const report = checkOwnership(
      findTableWrites('services/worker/src/sync.ts', 'sql`update meetings set title = ${t}`', known),
      owners,
    );
    expect(report.violations).toEqual([]);
    expect([...report.unowned.keys()]).toEqual(['meetings']);
  });
});

describe('the state-literal rule', () => {
  it('reports a state or delivery status written out in SQL, and ignores typed values and other tables', () => {
    const source = [
      "const a = (sql: any) => sql`select 1 from alerts where state = 'scheduled'`;",
      'const b = (sql: any, s: string[]) => sql`select 1 from alerts where state in ${sql(s)}`;',
      "const c = (sql: any) => sql`select 1 from deliveries where status in ('pending', 'processing')`;",
      "const d = (sql: any) => sql`select 1 from job_runs where status = 'queued'`;",
    ].join('\n');
    expect(findStateLiterals('services/worker/src/x.ts', source).map((l) => `${l.line} ${l.text}`)).toEqual([
      "1 state = 'scheduled'",
      "3 status in ('pending'",
    ]);
  });
});
