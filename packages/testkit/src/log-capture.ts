import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@nudge/logger';

/** A logger whose JSON lines a test can read back. */
export function capturingLogger(service = 'test'): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return {
    logger: createLogger({ service, instance: `${service}-test`, level: 'debug', destination, pretty: false }),
    lines,
  };
}
