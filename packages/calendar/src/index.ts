export {
  CALENDAR_READONLY_SCOPE,
  GoogleClients,
  type CalendarApi,
  type calendar_v3,
  type RequestGate,
} from './google-clients.js';
export { googleFailureOf, isInvalidGrant, isRateLimit, type GoogleFailure } from './google-errors.js';
export { createQuotaMetrics, GoogleQuota, type QuotaMetrics, type RequestKind } from './quota/google-quota.js';
export { NO_PRESSURE, type QuotaClaim, type QuotaPressure, type QuotaStore } from './quota/quota-store.js';
export { PostgresQuotaStore } from './quota/postgres-quota-store.js';
export { RedisQuotaStore } from './quota/redis-quota-store.js';
export { deriveKey } from './key-derivation.js';
export { keyIdOf, TokenCipher, TokenDecryptionError } from './token-cipher.js';
export {
  forgetGoogleCredential,
  PRIMARY_CALENDAR,
  revokeCredential,
  saveAccessToken,
  saveGoogleCredential,
  saveSyncState,
  type CalendarCredentialRow,
  type CalendarSyncStateRow,
  type ForgottenCredential,
  type GrantedTokens,
} from './credential-store.js';
export {
  acceptChannelMessage,
  clearChannelFailure,
  closeUserChannels,
  insertLiveChannel,
  markChannelStopped,
  recordChannelFailure,
  replaceChannel,
  type CalendarChannelFailureRow,
  type CalendarChannelRow,
  type ChannelMessage,
  type ChannelToStop,
  type NewChannel,
} from './channel-store.js';
export {
  claimSyncRequests,
  completeSyncRequests,
  queueSyncRequest,
  SYNC_REQUESTED_CHANNEL,
  wakeSyncWorkers,
  type CalendarSyncRequestRow,
  type ClaimedSyncRequest,
  type LiveCredential,
} from './sync-requests.js';
