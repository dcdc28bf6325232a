import { randomInt } from 'node:crypto';
import { ConnectionCounter } from './connection-counter.js';

/**
 * A ConnectionCounter on port 443 of a random 127.x.y.z: where a refused https endpoint points, so
 * a test can prove nothing connected. Any 127.x.y.z is loopback on Linux; a random one keeps
 * parallel runs apart on port 443.
 */
export function listenOnPort443(): Promise<ConnectionCounter> {
  return ConnectionCounter.listen({
    host: `127.${randomInt(1, 255)}.${randomInt(1, 255)}.${randomInt(1, 255)}`,
    port: 443,
  });
}
