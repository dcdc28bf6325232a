export { E164_PATTERN, isE164, isIanaTimeZone, normalizeEmail } from './contact.js';
