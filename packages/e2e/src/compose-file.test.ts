import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { REPO_ROOT } from '@nudge/testkit';

interface ComposeService {
  ports?: string[];
  profiles?: string[];
  stop_signal?: string;
  stop_grace_period?: string;
}

const read = (file: string) => readFileSync(`${REPO_ROOT}${file}`, 'utf8');
const services = (file: string) => (parse(read(file)) as { services: Record<string, ComposeService> }).services;

function seconds(duration: string): number {
  const match = /^(\d+)(s|m)$/.exec(duration);
  if (match === null) throw new Error(`unexpected duration ${duration}`);
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

// The production file and the single-host services (postgres, legacy) that dcprod.sh always adds.
const DEPLOYED_FILES = ['docker-compose.prod.yml', 'docker-compose.single-host.yml'];

describe('docker-compose.prod.yml and docker-compose.single-host.yml', () => {
  it('documents every variable they read in .env.prod.example', () => {
    // Comments may name a variable's syntax (`${VAR:?message}`); only the YAML counts.
    const text = DEPLOYED_FILES.map(read)
      .join('\n')
      .replace(/^\s*#.*$/gm, '');
    const used = new Set([...text.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    const documented = new Set([...read('.env.prod.example').matchAll(/^#? ?([A-Z0-9_]+)=/gm)].map((m) => m[1]!));
    expect([...used].filter((name) => !documented.has(name)).sort()).toEqual([]);
  });

  it('publishes no port on the host: an operator opts in with an override file', () => {
    for (const file of DEPLOYED_FILES) {
      for (const [name, service] of Object.entries(services(file))) {
        expect([file, name, service.ports]).toEqual([file, name, undefined]);
      }
    }
    // The example override publishes on the loopback interface only.
    const published = Object.values(services('docker-compose.override.example.yml')).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    for (const port of published) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('stops PostgreSQL with a fast shutdown and the time to finish it', () => {
    const postgres = services('docker-compose.single-host.yml').postgres!;
    expect(postgres.stop_signal).toBe('SIGINT');
    expect(seconds(postgres.stop_grace_period ?? '10s')).toBeGreaterThanOrEqual(30);
  });
});
