// oauth2-mock-server (a dev dependency of the bench only) in a process of its own, over HTTPS
// with a certificate made as the mock makes its own, signing with the key type it suggests
// (RS256). Prints one JSON line: {"url"}, the token endpoint's address.
// Plain JavaScript run by plain node, so no loader transforms anything in this process.
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuth2Server } from 'oauth2-mock-server';
import { createTlsMaterial } from '../dist/mock-server/transports/tls.js';

const dir = await mkdtemp(join(tmpdir(), 'golive-bench-oauth2-'));
const tls = await createTlsMaterial(dir);
await writeFile(join(dir, 'key.pem'), tls.server.key);
await writeFile(join(dir, 'cert.pem'), tls.server.cert);
const server = new OAuth2Server(join(dir, 'key.pem'), join(dir, 'cert.pem'));
await server.issuer.keys.generate('RS256');
await server.start(0, '127.0.0.1');
const address = server.address();
process.stdout.write(`${JSON.stringify({ url: `https://127.0.0.1:${address.port}/token`, caCert: tls.caCertPath })}\n`);
const stop = () => void server.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
