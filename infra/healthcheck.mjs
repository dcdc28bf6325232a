// Container health probe, run by the image's HEALTHCHECK and by scripts/verify_production.sh:
//   node healthcheck.mjs <variable holding the port> <default port>
// Exit 0 when /health/ready answers 2xx. On failure the readiness body (its JSON reasons) goes
// to stdout, which `docker inspect` keeps and verify_production.sh prints. Node, not curl: the
// image has no curl.
const [portVariable = 'PORT', defaultPort = '3000'] = process.argv.slice(2);
const port = process.env[portVariable]?.trim() || defaultPort;
const url = `http://127.0.0.1:${port}/health/ready`;

try {
  const response = await fetch(url, { signal: AbortSignal.timeout(4000) });
  const body = await response.text();
  if (!response.ok) {
    process.stdout.write(`${url} answered ${response.status}: ${body}\n`);
    process.exit(1);
  }
  if (process.argv.includes('--print')) process.stdout.write(`${body}\n`);
} catch (err) {
  process.stdout.write(`${url} did not answer: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
