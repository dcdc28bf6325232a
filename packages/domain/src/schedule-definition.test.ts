import { describe, expect, it } from '@jest/globals';
import {
  defineSchedule,
  dependencyWaves,
  validateDefinitions,
  type ScheduleDefinition,
} from './schedule-definition.js';
import { SCHEDULE_DEFINITIONS } from './schedule-definitions.js';

function job(name: string, dependsOn: string[] = [], cron = '0 3 * * *'): ScheduleDefinition {
  return defineSchedule({ name, timing: { cron }, dependsOn });
}

describe('schedule definitions', () => {
  it('are valid, with cleanups disabled by default and calendar-sync, calendar-channels, heartbeat and ops-monitor enabled', () => {
    expect(() => validateDefinitions(SCHEDULE_DEFINITIONS)).not.toThrow();
    const enabled = SCHEDULE_DEFINITIONS.filter((d) => d.enabledByDefault).map((d) => d.name);
    expect(enabled.sort()).toEqual(['calendar-channels', 'calendar-sync', 'heartbeat', 'ops-monitor']);
    for (const cleanup of SCHEDULE_DEFINITIONS.filter((d) => d.name.endsWith('-cleanup'))) {
      expect(cleanup.enabledByDefault).toBe(false);
    }
    expect(SCHEDULE_DEFINITIONS.find((d) => d.name === 'webhook-events-cleanup')).toMatchObject({
      timing: { cron: '0 4 * * *' },
      timezone: 'UTC',
    });
  });

  it('rejects unknown dependencies, cycles, duplicate names and bad cron', () => {
    expect(() => validateDefinitions([job('a', ['ghost'])])).toThrow(/unknown "ghost"/);
    expect(() => validateDefinitions([job('a', ['b']), job('b', ['a'])])).toThrow(/cycle: a -> b -> a/);
    expect(() => validateDefinitions([job('a'), job('a')])).toThrow(/defined twice/);
    expect(() => validateDefinitions([job('a', [], 'nope')])).toThrow(/schedule "a"/);
  });

  it('orders a group run in dependency waves after the latest dependency', () => {
    const defs = [
      job('extract'),
      job('transform', ['extract']),
      job('report', ['transform', 'extract']),
      job('audit', ['extract']),
      job('other'),
    ];
    expect(dependencyWaves('extract', defs)).toEqual([['extract'], ['audit', 'transform'], ['report']]);
    expect(dependencyWaves('transform', defs)).toEqual([['transform'], ['report']]);
    expect(dependencyWaves('other', defs)).toEqual([['other']]);
  });
});
