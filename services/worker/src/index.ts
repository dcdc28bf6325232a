export { buildWorker } from './worker.js';
export { createTwilioClient } from './escalation/twilio-request-client.js';
