// The heap a journal entry really holds, against what the journal counts for it
// (`estimateEntryBytes`), for a few kinds of request sent through the whole pipeline: the mock
// in this process (dist/, plain HTTP, an unbounded journal), each kind sent N times over
// keep-alive; then the heap once collected with the journal full, less the heap once collected
// after clearing it, per entry. Run by plain node with --expose-gc; prints one JSON line a kind.
import { request, Agent } from 'node:http';
import { createMockServer } from '../dist/mock-server/index.js';

const N = Number(process.argv[2] ?? 20_000);
const mock = await createMockServer({ profile: 'omnium', port: 0, adminPort: 0, seed: 1, tls: false, rateLimits: false, journal: { maxEntries: 1e9, maxBytes: 1e15 } });
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

function send(method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request(`${mock.apiUrl}${path}`, { method, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const user = mock.demoUser;
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const login = new URLSearchParams({ clientId: user.clientId, clientSecret: user.clientSecret }).toString();
const token = await new Promise((resolve, reject) => {
  const req = request(`${mock.apiUrl}/api/token`, { method: 'POST', headers: form, agent }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (c) => (text += c));
    res.on('end', () => resolve(text));
  });
  req.on('error', reject);
  req.end(login);
});
const auth = { authorization: `Bearer ${token}` };
const json = { ...auth, 'content-type': 'application/json' };
const orders = Object.keys(mock.snapshot().orders);

/** Each kind: what to send for the i-th request, and the status expected. */
const kinds = {
  'GET /api/Orders/{id}': (i) => ['GET', `/api/Orders/${orders[i % orders.length]}`, auth, undefined, 200],
  'GET /api/Orders/GetOrders?pageSize&page': (i) => ['GET', `/api/Orders/GetOrders?pageSize=5&page=${1 + (i % 3)}`, auth, undefined, 200],
  'POST /api/Orders/Search (JSON body)': (i) => ['POST', '/api/Orders/Search', json, JSON.stringify({ take: 5, page: i % 3 }), 200],
  'POST /api/token (form body)': () => ['POST', '/api/token', form, login, 200],
  'GET unknown path (404)': (i) => ['GET', `/api/Nowhere/${i}`, auth, undefined, 404],
};

const collect = async () => {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
};

for (const [kind, make] of Object.entries(kinds)) {
  mock.journal.clear();
  let next = 0;
  const worker = async () => {
    while (next < N) {
      const [method, path, headers, body, expected] = make(next++);
      const status = await send(method, path, headers, body);
      if (status !== expected) throw new Error(`${kind}: answered ${status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const full = await collect();
  const kept = mock.journal.kept;
  const estimated = mock.journal.bytes / kept;
  mock.journal.clear();
  const real = (full - (await collect())) / kept;
  process.stdout.write(`${JSON.stringify({ kind, kept, realBytes: Math.round(real), estimatedBytes: Math.round(estimated) })}\n`);
}
agent.destroy();
await mock.close();
