export { buildWorker } from './worker.js';
