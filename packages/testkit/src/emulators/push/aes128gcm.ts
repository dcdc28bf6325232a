import { createDecipheriv, hkdfSync, type ECDH } from 'node:crypto';

/** The user agent's half of a push subscription: what the browser keeps secret. */
export interface ReceiverKeys {
  ecdh: ECDH;
  authSecret: Buffer;
}

export class DecryptionError extends Error {}

const TAG_LENGTH = 16;

/** Decrypts an `aes128gcm` push message body (RFC 8188 framing, RFC 8291 keys). */
export function decryptAes128gcm(body: Buffer, receiver: ReceiverKeys): Buffer {
  if (body.length < 21) throw new DecryptionError('body shorter than the aes128gcm header');
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const keyIdLength = body[20] ?? 0;
  const senderPublicKey = body.subarray(21, 21 + keyIdLength);
  if (keyIdLength !== 65 || senderPublicKey[0] !== 0x04)
    throw new DecryptionError('keyid is not an uncompressed P-256 public key');
  if (recordSize < TAG_LENGTH + 2) throw new DecryptionError(`record size ${recordSize} too small`);

  let sharedSecret: Buffer;
  try {
    sharedSecret = receiver.ecdh.computeSecret(senderPublicKey);
  } catch {
    throw new DecryptionError('keyid is not a point on P-256');
  }
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiver.ecdh.getPublicKey(), senderPublicKey]);
  const ikm = Buffer.from(hkdfSync('sha256', sharedSecret, receiver.authSecret, keyInfo, 32));
  const contentKey = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const baseNonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));

  const records = body.subarray(21 + keyIdLength);
  const plaintext: Buffer[] = [];
  for (let offset = 0, sequence = 0; offset < records.length; offset += recordSize, sequence += 1) {
    const record = records.subarray(offset, offset + recordSize);
    const last = offset + recordSize >= records.length;
    plaintext.push(unpad(decryptRecord(record, contentKey, nonceFor(baseNonce, sequence)), last));
  }
  return Buffer.concat(plaintext);
}

function decryptRecord(record: Buffer, key: Buffer, nonce: Buffer): Buffer {
  if (record.length <= TAG_LENGTH) throw new DecryptionError('record shorter than its tag');
  const decipher = createDecipheriv('aes-128-gcm', key, nonce);
  decipher.setAuthTag(record.subarray(record.length - TAG_LENGTH));
  try {
    return Buffer.concat([decipher.update(record.subarray(0, record.length - TAG_LENGTH)), decipher.final()]);
  } catch {
    throw new DecryptionError('authentication tag mismatch: wrong keys or corrupted body');
  }
}

/** RFC 8188 §2.3: the record sequence number is XORed into the low bytes of the nonce. */
function nonceFor(base: Buffer, sequence: number): Buffer {
  const nonce = Buffer.from(base);
  // Byte by byte: JavaScript's ^ works on 32 bits and the counter spans the last 48.
  for (let i = nonce.length - 1, rest = sequence; i >= 6; i -= 1, rest = Math.floor(rest / 256)) {
    nonce.writeUInt8(nonce.readUInt8(i) ^ (rest & 0xff), i);
  }
  return nonce;
}

/** Strips the zero padding and the delimiter: 0x02 ends the last record, 0x01 any other. */
function unpad(plain: Buffer, last: boolean): Buffer {
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end -= 1;
  const delimiter = plain[end];
  if (delimiter !== (last ? 0x02 : 0x01)) throw new DecryptionError('missing or wrong padding delimiter');
  return plain.subarray(0, end);
}
