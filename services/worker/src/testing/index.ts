export { everySecondFixtureName, FIXTURE_SLOW_RUN_MS, fixtureJobs } from './fixture-jobs.js';
export {
  SCHEDULE_REPLICA_SCRIPT,
  startScheduleReplicas,
  stopScheduleReplicas,
  type ScheduleReplica,
} from './schedule-replicas.js';
