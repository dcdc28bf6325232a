export {
  CALENDAR_READONLY_SCOPE,
  GoogleClients,
  type CalendarApi,
  type calendar_v3,
  type RequestGate,
} from './google-clients.js';
export { googleFailureOf, isInvalidGrant, type GoogleFailure } from './google-errors.js';
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
  advanceMessageNumber,
  clearChannelFailure,
  closeUserChannels,
  insertLiveChannel,
  markChannelStopped,
  recordChannelFailure,
  replaceChannel,
  type CalendarChannelFailureRow,
  type CalendarChannelRow,
  type ChannelToStop,
  type NewChannel,
} from './channel-store.js';
export {
  claimSyncRequests,
  completeSyncRequest,
  queueSyncRequest,
  SYNC_REQUESTED_CHANNEL,
  type CalendarSyncRequestRow,
  type ClaimedSyncRequestRow,
} from './sync-requests.js';
