/**
 * Throughput of the webhook sender: n order events to a local receiver that answers 200 at once,
 * the delivery log on. The receiver runs in a worker thread so it does not share the sender's event
 * loop. Run alone: `node --import tsx bench/webhooks.ts [n]`.
 */
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createClock } from '../mock-server/clock.ts';
import type { DomainEvent } from '../mock-server/domain/events.ts';
import { WebhookSender } from '../mock-server/webhooks/sender.ts';

const RECEIVER = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
let received = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { received++; res.writeHead(200, { 'content-length': '0' }); res.end(); });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
// 'count' answers how many requests arrived in full so far; anything else closes the receiver.
parentPort.on('message', (m) => {
  if (m === 'count') return parentPort.postMessage(received);
  server.closeAllConnections();
  server.close(() => parentPort.close());
});
`;

const WARM_UP = 1000;

export interface BenchResult {
  perSecond: number;
  /** Measured deliveries the receiver got in full (counted by the receiver, not the sender). */
  delivered: number;
  ms: number;
  /** Deliveries (retries included) that did not get a 200: should be 0. */
  failed: number;
}

async function receivedSoFar(worker: Worker): Promise<number> {
  worker.postMessage('count');
  const [count] = (await once(worker, 'message')) as [number];
  return count;
}

/** Delivers `n` events to a local 200-OK receiver and measures deliveries per second. */
export async function benchDeliveries(n: number): Promise<BenchResult> {
  const worker = new Worker(RECEIVER, { eval: true });
  const [port] = (await once(worker, 'message')) as [number];
  let failed = 0;
  let counting = false;
  const sender = new WebhookSender({
    clock: createClock(),
    onLog: (record) => {
      if (counting && record.status !== 200) failed++;
    },
  });
  sender.subscribe({ url: `http://127.0.0.1:${port}/hooks/omnium`, auth: { type: 'bearer', token: 'bench-token-0123456789abcdef' }, classNames: ['Order'] });
  const event = (i: number): DomainEvent => ({
    id: `bench${String(i).padStart(15, '0')}`,
    operationId: 310101,
    timestamp: new Date().toISOString(),
    message: 'Order status updated',
    className: 'Order',
    subClassName: 'Online',
    objectId: `ORD-${i}`,
    objectNumber: `ORD-${i}`,
    category: 'Updated',
    market: 'nor',
    storeId: 'oslo-online',
    status: 'Shipped',
    previousStatus: 'New',
    isError: false,
    isRead: false,
  });
  try {
    // Warm-up: opens the pooled connections and lets the JIT settle.
    for (let i = 0; i < WARM_UP; i++) sender.publish(event(-i - 1));
    await sender.idle();
    const before = await receivedSoFar(worker);
    counting = true;
    const start = performance.now();
    for (let i = 0; i < n; i++) sender.publish(event(i));
    await sender.idle();
    const ms = performance.now() - start;
    const delivered = (await receivedSoFar(worker)) - before;
    return { perSecond: Math.round((delivered / ms) * 1000), delivered, ms: Math.round(ms), failed };
  } finally {
    await sender.close();
    worker.postMessage('close');
    await once(worker, 'exit');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 20_000);
  console.log(await benchDeliveries(n));
}
