/** The baseline for HTTP benchmarks: a bare fastify route with no auth, database or plugins. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/bare', async () => ({ id: '00000000-0000-0000-0000-000000000000', name: 'bare', timezone: 'UTC' }));
const address = await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
process.stdout.write(`${JSON.stringify({ event: 'http.listening', address })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
