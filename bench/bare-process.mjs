// A bare fastify HTTPS route, in a process of its own, answering GET /api/Orders/:id with the
// order in the file argv[3]: `string` sends it pre-serialised, `object` lets fastify serialise
// the object, as any real route would. The certificate is made as the mock makes its own (the
// same CA code, key type and names). Prints one JSON line: {"url", "caCert"}.
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createTlsMaterial } from '../dist/mock-server/transports/tls.js';

const variant = process.argv[2];
const order = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const text = JSON.stringify(order);
const tls = await createTlsMaterial(await mkdtemp(join(tmpdir(), 'golive-bench-bare-')));
const app = Fastify({ logger: false, https: { cert: tls.server.cert, key: tls.server.key } });
if (variant === 'string') app.get('/api/Orders/:id', async (_request, reply) => reply.type('application/json; charset=utf-8').send(text));
else app.get('/api/Orders/:id', async () => order);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ url: `https://127.0.0.1:${address.port}`, caCert: tls.caCertPath })}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
