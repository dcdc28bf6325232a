/**
 * `pnpm emulators`: the three local emulators until Ctrl-C, printing the environment that
 * points Nudge's roles at them (paste it into a shell, or let `pnpm start` use startEmulators).
 */
import { mkdir } from 'node:fs/promises';
import { startEmulators } from './emulators/start-emulators.js';
import { REPO_ROOT } from './role-process.js';

const LOCAL_DIR = `${REPO_ROOT}.local`;
const DEMO_USER = 'demo@localhost.test';

await mkdir(LOCAL_DIR, { recursive: true });
const emulators = await startEmulators({ caFile: `${LOCAL_DIR}/emulators-ca.pem` });
// One consenting user with a meeting soon, so the connect flow and a sync have something to show.
emulators.google.addUser(DEMO_USER);
const start = new Date(Date.now() + 15 * 60_000);
emulators.google.putEvent(DEMO_USER, {
  summary: 'Demo standup',
  start,
  end: new Date(start.getTime() + 15 * 60_000),
  hangoutLink: 'https://meet.google.com/abc-defg-hij',
});
// A fake device: POST it to /v1/push/subscriptions to have pushes delivered to the emulator.
const device = emulators.push.subscribe();

console.log(`# Local emulators (Ctrl-C stops them)
#   google  ${emulators.google.url}   consent approves ${DEMO_USER}
#   push    ${emulators.push.url}  a device subscription: ${JSON.stringify(device)}
#   twilio  ${emulators.twilio.url}`);
for (const [name, value] of Object.entries(emulators.env)) console.log(`export ${name}='${value}'`);

const stop = () => void emulators.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
