import { connect } from 'node:net';

export interface RawHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `request` as the bytes given (what fetch refuses to send: oversized or broken requests)
 * and reads the answer until the server closes the connection or `timeoutMs` passes.
 */
export function rawHttpRequest(base: string, request: string, timeoutMs = 5_000): Promise<RawHttpResponse> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.write(request));
    const timer = setTimeout(() => socket.destroy(new Error(`no complete answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      // The server may reset once it has answered: what arrived is the answer.
      if (chunks.length > 0) finish();
      else reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      finish();
    });
    let done = false;
    function finish() {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
      const headers = Object.fromEntries(
        headerLines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      resolve({ status, headers, body });
    }
  });
}
