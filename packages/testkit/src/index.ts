export { ConnectionCounter } from './connection-counter.js';
export { configErrorOf, VALID_CONFIG_ENV } from './config-env.js';
export {
  alertTimeline,
  insertAlert,
  insertMeeting,
  insertUser,
  markPhoneVerified,
  type TestAlert,
  type TestMeeting,
  type TestUser,
} from './fixtures.js';
export { firstHourOutside } from './local-time.js';
export { seedDueAlerts } from './seed-due-alerts.js';
export { eventually } from './eventually.js';
export { RedisServer } from './redis-server.js';
export { WebhookReceiver, type ReceivedWebhook } from './webhook-receiver.js';
export { freePort } from './free-port.js';
export { rawHttpRequest, type RawHttpResponse } from './raw-http.js';
export { ScriptedResolver } from './scripted-resolver.js';
export { ManualClock } from './manual-clock.js';
export { capturingLogger } from './log-capture.js';
export { escalationEnv, roleEnv, vapidKeyPair } from './role-env.js';
export { startEscalationSetup, type EscalationSetup } from './escalation-setup.js';
export {
  childBaseEnv,
  REPO_ROOT,
  roleEntry,
  RoleProcess,
  waitForHttpOk,
  type LogLine,
  type RoleName,
} from './role-process.js';
export { startRole, type StartedRole, type StartRoleOptions } from './start-role.js';
export { createOrgWithCli, type CreatedOrg } from './create-org-cli.js';
export { createTestDatabase, prepareTemplateDatabase, TEST_SERVER_URL, type TestDatabase } from './test-database.js';
export { ANY } from './emulators/http/scripted-responses.js';
export type { RecordedRequest } from './emulators/http/recorded-request.js';
export { RecordedList } from './emulators/http/recorded-list.js';
export {
  CALENDAR_READONLY_SCOPE,
  GoogleEmulator,
  type GoogleEmulatorOptions,
} from './emulators/google/google-emulator.js';
export type { Attendee, CalendarEvent, EventInput, StoredEvent } from './emulators/google/calendar-events.js';
export type { CalendarFailure } from './emulators/google/calendar-failures.js';
export type { TokenResponse } from './emulators/google/oauth-grants.js';
export type { AccountOptions, GoogleAccount, IdTokenClaims } from './emulators/google/oidc-identity.js';
export { PushEmulator, type PushEmulatorOptions, type PushOutcome } from './emulators/push/push-emulator.js';
export { PushMessage, type Urgency } from './emulators/push/push-message.js';
export type { PushSubscriptionJson } from './emulators/push/fake-subscriptions.js';
export type { VapidIdentity } from './emulators/push/vapid-verification.js';
export { TwilioEmulator, type CreateFailure, type TwilioEmulatorOptions } from './emulators/twilio/twilio-emulator.js';
export type { CallBehaviour, CallStatus, EmulatedCall, WebhookDelivery } from './emulators/twilio/emulated-call.js';
export type { EmulatedMessage } from './emulators/twilio/emulated-message.js';
export { verificationCodeSaid } from './emulators/twilio/spoken-code.js';
export { signTwilioWebhook, type WebhookParams } from './emulators/twilio/twilio-signature.js';
export { startEmulators, type LocalEmulators, type StartEmulatorsOptions } from './emulators/start-emulators.js';
export { createLocalCertificates, type LocalCertificates } from './emulators/push/tls-certificates.js';
export { SmtpReceiver, type ReceivedMail } from './emulators/smtp/smtp-receiver.js';
export { listenOnPort443 } from './port-443-listener.js';
