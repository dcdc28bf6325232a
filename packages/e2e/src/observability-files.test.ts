import { readFile } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import {
  createTestDatabase,
  escalationEnv,
  REPO_ROOT,
  roleEnv,
  startRole,
  type RoleProcess,
  type TestDatabase,
} from '@nudge/testkit';

const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface RuleFile {
  groups: { name: string; rules: { alert: string; expr: string; annotations: { runbook: string } }[] }[];
}

/** The metric names an expression reads, without the histogram and summary suffixes. */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(nudge_[a-z_]+)/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, ''));
}

interface ScrapeFile {
  rule_files: string[];
  scrape_configs: {
    job_name: string;
    metrics_path: string;
    dns_sd_configs: { names: string[]; type: string; port: number }[];
  }[];
}

interface ComposeFile {
  services: Record<string, { environment?: Record<string, string>; ports?: unknown[] }>;
}

/** A compose value's default: `${VAR:-9464}` → "9464"; a literal stays as it is. */
const composeDefault = (value: string | undefined) => /^\$\{[A-Z_]+:-([^}]*)\}$/.exec(value ?? '')?.[1] ?? value;

/**
 * The dashboard and the alerting rules only mean something if every metric they read is one
 * the roles really export: checked against /metrics (on METRICS_PORT) of all three, every
 * feature on. The scrape configuration must point where compose serves them.
 */
describe('dashboards and alerting rules', () => {
  let db: TestDatabase;
  const roles: RoleProcess[] = [];
  let exported = '';
  beforeAll(async () => {
    db = await createTestDatabase();
    const env = roleEnv(db.url, { ...escalationEnv(TEST_REDIS_URL), ENABLE_SCHEDULERS: 'false' });
    const live = { ready: 'live', timeoutMs: 45_000, metrics: true, started: roles } as const;
    const started = await Promise.all([
      startRole('api', env, live),
      startRole('calls', env, live),
      startRole('worker', { ...env, ENABLE_SCHEDULERS: 'true' }, live),
    ]);
    for (const { metricsBase } of started) exported += await (await fetch(`${metricsBase}/metrics`)).text();
  });
  afterAll(async () => {
    await Promise.all(roles.map((r) => r.stop()));
    await db.drop();
  });

  const declared = () => new Set([...exported.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));

  it('every alerting rule reads metrics the roles export, and names a runbook section that exists', async () => {
    const rules = parse(await readFile(`${REPO_ROOT}infra/observability/prometheus-rules.yml`, 'utf8')) as RuleFile;
    const runbook = await readFile(`${REPO_ROOT}docs/RUNBOOK.md`, 'utf8');
    const anchors = new Set(
      [...runbook.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .trim()
          .replace(/ /g, '-'),
      ),
    );
    const all = rules.groups.flatMap((g) => g.rules);
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const rule of all) {
      for (const name of metricNames(rule.expr))
        expect({ alert: rule.alert, metric: name, exported: declared().has(name) }).toEqual({
          alert: rule.alert,
          metric: name,
          exported: true,
        });
      const anchor = rule.annotations.runbook.split('#')[1] ?? '';
      expect({ alert: rule.alert, anchor, found: anchors.has(anchor) }).toEqual({
        alert: rule.alert,
        anchor,
        found: true,
      });
    }
  });

  it('every dashboard panel reads metrics the roles export', async () => {
    const dashboard = JSON.parse(await readFile(`${REPO_ROOT}infra/observability/grafana-dashboard.json`, 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of dashboard.panels) {
      for (const name of panel.targets.flatMap((t) => metricNames(t.expr))) {
        expect({ panel: panel.title, metric: name, exported: declared().has(name) }).toEqual({
          panel: panel.title,
          metric: name,
          exported: true,
        });
      }
    }
  });

  it('scrapes every role on the METRICS_PORT compose gives it, a port compose does not publish', async () => {
    const scrape = parse(await readFile(`${REPO_ROOT}infra/observability/prometheus.yml`, 'utf8')) as ScrapeFile;
    const compose = parse(await readFile(`${REPO_ROOT}docker-compose.prod.yml`, 'utf8'), {
      merge: true,
    }) as ComposeFile;
    expect(scrape.rule_files).toEqual(['prometheus-rules.yml']);
    expect(scrape.scrape_configs.map((job) => job.job_name).sort()).toEqual([
      'nudge-api',
      'nudge-calls',
      'nudge-worker',
    ]);
    for (const job of scrape.scrape_configs) {
      const service = job.job_name.replace(/^nudge-/, '');
      const environment = compose.services[service]?.environment ?? {};
      const metricsPort = Number(composeDefault(environment.METRICS_PORT));
      expect({
        job: job.job_name,
        path: job.metrics_path,
        targets: job.dns_sd_configs.map((sd) => [sd.names, sd.port]),
      }).toEqual({
        job: job.job_name,
        path: '/metrics',
        targets: [[[service], metricsPort]],
      });
      expect({ service, metricsPort, published: compose.services[service]?.ports ?? [] }).toEqual({
        service,
        metricsPort: 9464,
        published: [],
      });
    }
  });

  it('promtool accepts the rules, where promtool is installed', () => {
    const promtool = spawnSync('promtool', ['check', 'rules', `${REPO_ROOT}infra/observability/prometheus-rules.yml`], {
      encoding: 'utf8',
    });
    if (promtool.error !== undefined) {
      // Not installed here: the two checks above still validate every expression's metrics.
      expect((promtool.error as NodeJS.ErrnoException).code).toBe('ENOENT');
      return;
    }
    expect(`${promtool.stdout}${promtool.stderr}`).toMatch(/SUCCESS/);
    expect(promtool.status).toBe(0);
  });
});
