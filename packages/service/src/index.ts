export { createHttpApp, REQUEST_ID_HEADER, type HttpAppOptions, type RouteRecord } from './create-http-app.js';
export { errorBody, errorHandlerPlugin, errorResponses, errorSchema, type ErrorBody } from './error-handler.js';
export { startHeartbeat, type Heartbeat, type HeartbeatOptions, type ServiceHeartbeatRow } from './heartbeat.js';
export { badRequest, conflict, forbidden, HttpError, notFound, unauthorized } from './http-error.js';
export { runConfigCheck, type ConfigCheckOutput } from './config-check-command.js';
export { loadConfigOrExit } from './load-config.js';
export { bearerMatches, createMetrics, httpMetricsPlugin, metricsRoute, type Metrics } from './metrics.js';
export { createMetricsServer, type MetricsServerOptions } from './metrics-server.js';
export {
  checkReadiness,
  databaseCheck,
  DEFAULT_READINESS,
  healthPlugin,
  migrationsCheck,
  ReadinessMonitor,
  schemaCheck,
  type CheckOutcome,
  type ReadinessCheck,
  type ReadinessReport,
  type ReadinessSettings,
} from './readiness.js';
export { connectRedis, redisCheck, type Redis } from './redis.js';
export { runLoop, type Loop, type LoopOptions } from './run-loop.js';
export { runRole, type RoleContext, type RoleDefinition, type RoleInstance } from './run-role.js';
export { openApiDocument, type OpenApiOptions } from './openapi.js';
export type { HttpApp, ReplyOf, SchemaTypeProvider } from './schema-types.js';
export { silentOpsAlerts, type OpsAlerts } from './ops/ops-alerts.js';
export { scrubText, scrubValue } from './ops/scrub.js';
export { slackOpsAlerts, type OpsAlertRow, type SlackOpsAlertsOptions } from './ops/slack-ops-alerts.js';
export { createBreakerGauge, type BreakerGauge } from './ops/breaker-gauge.js';
export { nonPublicAddressClass } from './push-endpoint/address-class.js';
export {
  KNOWN_PUSH_SERVICES,
  PushEndpointPolicy,
  PushEndpointRefusedError,
  resolveWithDns,
  type EndpointVerdict,
  type PushEndpointPolicyOptions,
  type ResolveHost,
} from './push-endpoint/push-endpoint-policy.js';
