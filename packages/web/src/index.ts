export { WEB_APP_DIR, WEB_APP_PATH } from './location.js';
