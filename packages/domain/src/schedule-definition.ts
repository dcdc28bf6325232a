import type { MissedPolicy, OverlapPolicy } from './due-slot-plan.js';
import { everyExpression, parseScheduleTiming, type ScheduleTiming } from './schedule-timing.js';

/**
 * A periodic job as the code defines it. The `job_schedules` row keeps only runtime state
 * (enabled, next/last run, lease); a deploy never overwrites that state.
 */
export interface ScheduleDefinition {
  /** Also the `job_schedules.id` and `job_runs.job_name`. */
  name: string;
  description: string;
  /** A cron expression (5 fields, or 6 with seconds) or a fixed interval in ms. */
  timing: { cron: string } | { everyMs: number };
  /** IANA zone the cron is evaluated in. */
  timezone: string;
  missedPolicy: MissedPolicy;
  overlapPolicy: OverlapPolicy;
  /** The value of `enabled` when the row is first created; after that the row decides. */
  enabledByDefault: boolean;
  /** Jobs that must succeed first when they run in the same group run. */
  dependsOn: readonly string[];
  timeoutMs: number;
}

/**
 * A definition with the safe defaults filled in: UTC, skip missed slots, skip overlaps,
 * disabled until an operator enables it, no dependencies, a one-minute timeout.
 */
export function defineSchedule(
  fields: Pick<ScheduleDefinition, 'name' | 'timing'> & Partial<Omit<ScheduleDefinition, 'name' | 'timing'>>,
): ScheduleDefinition {
  return {
    description: fields.name,
    timezone: 'UTC',
    missedPolicy: 'skip',
    overlapPolicy: 'skip',
    enabledByDefault: false,
    dependsOn: [],
    timeoutMs: 60_000,
    ...fields,
  };
}

export function timingExpression(definition: ScheduleDefinition): string {
  return 'cron' in definition.timing ? definition.timing.cron : everyExpression(definition.timing.everyMs);
}

export function definitionTiming(definition: ScheduleDefinition): ScheduleTiming {
  return parseScheduleTiming(timingExpression(definition), definition.timezone);
}

/** A programming error in the definitions; the worker refuses to start with one. */
export class ScheduleDefinitionError extends Error {
  override readonly name = 'ScheduleDefinitionError';
}

/** Unique names, parseable timings, known dependencies and no dependency cycle. */
export function validateDefinitions(definitions: readonly ScheduleDefinition[]): void {
  const byName = new Map<string, ScheduleDefinition>();
  for (const definition of definitions) {
    if (byName.has(definition.name))
      throw new ScheduleDefinitionError(`schedule "${definition.name}" is defined twice`);
    byName.set(definition.name, definition);
    try {
      definitionTiming(definition);
    } catch (err) {
      throw new ScheduleDefinitionError(`schedule "${definition.name}": ${(err as Error).message}`);
    }
    if (!(definition.timeoutMs > 0))
      throw new ScheduleDefinitionError(`schedule "${definition.name}": timeoutMs must be positive`);
  }
  for (const definition of definitions) {
    for (const dependency of definition.dependsOn) {
      if (!byName.has(dependency)) {
        throw new ScheduleDefinitionError(`schedule "${definition.name}" depends on unknown "${dependency}"`);
      }
    }
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting')
      throw new ScheduleDefinitionError(`dependency cycle: ${[...path, name].join(' -> ')}`);
    state.set(name, 'visiting');
    for (const dependency of byName.get(name)?.dependsOn ?? []) visit(dependency, [...path, name]);
    state.set(name, 'done');
  };
  for (const definition of definitions) visit(definition.name, []);
}

/**
 * The group a run of `root` starts: `root`, then every job that depends on it directly or
 * through others, in waves. A job is in the wave after the latest of its dependencies in the
 * group; dependencies outside the group are not waited for.
 */
export function dependencyWaves(root: string, definitions: readonly ScheduleDefinition[]): string[][] {
  const members = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const definition of definitions) {
      if (!members.has(definition.name) && definition.dependsOn.some((d) => members.has(d))) {
        members.add(definition.name);
        grew = true;
      }
    }
  }
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const level = new Map<string, number>([[root, 0]]);
  const levelOf = (name: string): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    const inGroup = (byName.get(name)?.dependsOn ?? []).filter((d) => members.has(d) && d !== name);
    const value = 1 + Math.max(...inGroup.map(levelOf));
    level.set(name, value);
    return value;
  };
  const waves: string[][] = [];
  for (const name of members) {
    const index = levelOf(name);
    (waves[index] ??= []).push(name);
  }
  return waves.map((wave) => wave.sort());
}
