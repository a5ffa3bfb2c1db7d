/**
 * Memory as users run the mock: `golive serve` over HTTPS in a process of its own (Omnium's
 * rate limiter on, a bucket that never runs dry, the default journal bound), its resident set
 * size idle, then after 1,000,000 authenticated `GET /api/Orders/{id}` (autocannon in another
 * process, loopback only). Target: at most 150 MB above the idle server.
 *
 * RSS after the load is its median over a few seconds once the load has stopped, with the peak
 * during the load printed beside it: between two collections the heap fills with garbage, and
 * only what stays after them is held.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fetchText, load, startChild, stopChild, tokenFor } from './pipeline-processes.ts';

const here = (file: string) => new URL(file, import.meta.url).pathname;
const TARGET_MB = 150;

/** Resident set size of a process, MB (Linux: /proc). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;

/** RSS sampled every `everyMs` for `ms`. */
async function samples(pid: number, ms: number, everyMs = 200): Promise<number[]> {
  const taken: number[] = [];
  for (let t = 0; t < ms; t += everyMs) {
    taken.push(rssMb(pid));
    await sleep(everyMs);
  }
  return taken;
}

export interface MemoryBenchOptions {
  requests: number;
  connections: number;
}

/** Runs the measurement and prints its lines; returns RSS growth over the idle server, MB. */
export async function memoryAfterRequests(o: MemoryBenchOptions): Promise<number> {
  const mock = await startChild('golive serve', [here('./serve-process.mjs')]);
  try {
    const pid = mock.process.pid!;
    const ca = await readFile(mock.line.caCert as string, 'utf8');
    const token = await tokenFor(mock, ca);
    const url = `${mock.line.apiUrl}/api/Orders/${mock.line.orderId as string}`;
    const headers = { authorization: `Bearer ${token}` };
    // Idle: started, and the route served once, so its code is loaded.
    await fetchText(url, ca, { headers });
    const idle = median(await samples(pid, 2_000));

    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 500);
    const result = await load(url, headers, pid, o.connections, { amount: o.requests }).finally(() => clearInterval(sampler));
    if (result.non2xx || result.errors) throw new Error(`golive serve: ${result.non2xx} non-2xx answers, ${result.errors} errors under load`);
    const after = median(await samples(pid, 3_000));
    const growth = after - idle;
    console.log(`memory: golive serve over HTTPS in its own process (default journal bound), ${o.requests.toLocaleString('en')} GET /api/Orders/{id}, autocannon -c ${o.connections}, loopback`);
    console.log(`  RSS idle ${idle.toFixed(0)} MB; after the requests ${after.toFixed(0)} MB (peak under load ${peak.toFixed(0)} MB), at ${Math.round(result.rps)} req/s`);
    console.log(`  growth over the idle server: ${growth.toFixed(0)} MB (target ≤ ${TARGET_MB} MB): ${growth <= TARGET_MB ? 'OK' : 'HIGH'}`);
    return growth;
  } finally {
    await stopChild(mock);
  }
}
