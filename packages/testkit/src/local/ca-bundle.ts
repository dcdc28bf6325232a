import { readFile, writeFile } from 'node:fs/promises';

/**
 * NODE_EXTRA_CA_CERTS names one file, and the machine may already use it (a corporate proxy's
 * CA): the roles get a bundle of that file and the push emulator's CA, so both are trusted.
 */
export async function extraCaBundle(
  existing: string | undefined,
  emulatorCaPem: string,
  path: string,
): Promise<string> {
  const machine = existing === undefined || existing === '' ? '' : await readFile(existing, 'utf8').catch(() => '');
  await writeFile(path, `${machine.trimEnd()}\n${emulatorCaPem}`);
  return path;
}
