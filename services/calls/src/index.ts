export { buildCallsApp, type CallsDependencies } from './app.js';
