// `node dist/check-config.js`: checks this role's environment without starting the role;
// scripts/dcprod.sh runs it in the new image before it replaces a running container.
import { runConfigCheck } from '@nudge/service';
import { parseEnv } from './env.js';

process.exitCode = runConfigCheck('worker', parseEnv);
