import { generate } from 'selfsigned';

export interface LocalCertificates {
  /** The CA to trust: an https.Agent's `ca`, or the file NODE_EXTRA_CA_CERTS names. */
  caPem: string;
  key: string;
  cert: string;
}

/**
 * A throwaway CA and a server certificate it signed for 127.0.0.1 and localhost, made at
 * start so nothing secret is ever committed. EC keys: they generate in milliseconds. Two CAs
 * trusted side by side need different names: a client picks the CA by its name.
 */
export async function createLocalCertificates(
  now = new Date(),
  caName = 'Nudge local emulators CA',
): Promise<LocalCertificates> {
  const notAfterDate = new Date(now.getTime() + 7 * 86_400_000);
  const validity = {
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate,
    keyType: 'ec' as const,
    algorithm: 'sha256',
  };
  const ca = await generate([{ name: 'commonName', value: caName }], {
    ...validity,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    ...validity,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, key: server.private, cert: server.cert };
}
