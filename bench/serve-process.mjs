// The mock as `golive serve --json` starts it (dist/, HTTPS, the demo user, seed 1, the admin
// API), in a process of its own, with Omnium's rate limiter on and a bucket that never runs
// dry: `golive serve` has no flag for the bucket, and this is the one option added. Prints
// one JSON line, as `golive serve --json` does, plus the id of the first order.
// Plain JavaScript run by plain node, so no loader transforms anything in this process.
import { createMockServer } from '../dist/mock-server/index.js';

const mock = await createMockServer({
  profile: 'omnium',
  port: 0,
  adminPort: 0,
  seed: 1,
  tls: true,
  rateLimits: { bucketCapacity: 1e12, refillTokens: 1e12 },
});
const user = mock.demoUser;
const orderId = Object.keys(mock.snapshot().orders)[0];
process.stdout.write(`${JSON.stringify({ apiUrl: mock.apiUrl, adminUrl: mock.adminUrl, adminToken: mock.adminToken, caCert: mock.caCertPath, apiUser: { clientId: user.clientId, clientSecret: user.clientSecret }, orderId })}\n`);
const stop = () => void mock.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
