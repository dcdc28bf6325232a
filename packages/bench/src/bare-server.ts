/** The baseline for HTTP benchmarks: bare fastify routes with no auth, database or plugins but a form parser. */
import formbody from '@fastify/formbody';
import Fastify from 'fastify';

const app = Fastify({ logger: false });
await app.register(formbody);
app.get('/bare', async () => ({ id: '00000000-0000-0000-0000-000000000000', name: 'bare', timezone: 'UTC' }));
app.post('/bare-form', async (_request, reply) => reply.status(204).send());
const address = await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
process.stdout.write(`${JSON.stringify({ event: 'http.listening', address })}\n`);
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
