/**
 * Token issuance as users meet it: `POST /api/Token` of `golive serve` (HTTPS, its own process)
 * against the token endpoint of oauth2-mock-server (HTTPS, its own process), autocannon in a
 * third, the same client-credentials form to each, A B A B; reported as a ratio (target ≥ 5×).
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { type Child, cpuSeconds, startChild, stopChild } from './pipeline-processes.ts';

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const GOLIVE = new URL('../bin/golive.js', import.meta.url).pathname;
const here = (file: string) => new URL(file, import.meta.url).pathname;

export interface TokenBenchOptions {
  seconds: number;
  rounds: number;
  connections: number;
  /** Write a V8 CPU profile of each server process here (`node --cpu-prof`), for profiling. */
  cpuProfileDir?: string;
}

interface Round {
  rps: number;
  p99: number;
  failed: number;
  cpuPerRequestUs: number | null;
}

/** autocannon posting `body` as a form, in its own process. */
async function post(url: string, body: string, pid: number, o: TokenBenchOptions, seconds: number): Promise<Round> {
  const args = [AUTOCANNON, '-j', '-c', String(o.connections), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/x-www-form-urlencoded', '-b', body, url];
  const before = cpuSeconds(pid);
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  const after = cpuSeconds(pid);
  const r = JSON.parse(stdout) as { requests: { average: number; total: number }; latency: { p99: number }; non2xx: number; errors: number };
  return { rps: r.requests.average, p99: r.latency.p99, failed: r.non2xx + r.errors, cpuPerRequestUs: before === null || after === null ? null : ((after - before) * 1e6) / r.requests.total };
}

/** Runs the comparison and prints its table; returns the ratio (golive / oauth2-mock-server). */
export async function tokensInProcesses(o: TokenBenchOptions): Promise<number> {
  const children: Child[] = [];
  try {
    // Rate limits off: the bench measures issuance, not Omnium's 429s.
    const ours = await startChild('golive serve: POST /api/Token', [GOLIVE, 'serve', '--json', '--no-rate-limits'], o.cpuProfileDir);
    children.push(ours);
    const peer = await startChild('oauth2-mock-server: POST /token (RS256)', [here('./oauth2-mock-process.mjs')], o.cpuProfileDir);
    children.push(peer);
    const user = ours.line.apiUser as { clientId: string; clientSecret: string };
    const targets = [
      { name: ours.name, url: `${ours.line.apiUrl as string}/api/Token`, pid: ours.process.pid!, body: new URLSearchParams({ grant_type: 'client_credentials', clientId: user.clientId, clientSecret: user.clientSecret }).toString() },
      { name: peer.name, url: peer.line.url as string, pid: peer.process.pid!, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: user.clientId, client_secret: user.clientSecret, scope: 'api' }).toString() },
    ];
    for (const t of targets) {
      const w = await post(t.url, t.body, t.pid, o, 2); // warm-up: JIT, caches, sockets
      if (w.failed) throw new Error(`${t.name}: ${w.failed} failed requests in the warm-up`);
    }
    const rounds = new Map<string, Round[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < o.rounds; round++) for (const t of targets) rounds.get(t.name)!.push(await post(t.url, t.body, t.pid, o, o.seconds));

    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    console.log(`token issuance over HTTPS: each server in its own process, autocannon -c ${o.connections} in another, loopback; median of ${o.rounds} rounds of ${o.seconds} s, alternating`);
    const rows = targets.map((t) => {
      const rs = rounds.get(t.name)!;
      const cpu = rs.map((r) => r.cpuPerRequestUs).filter((c): c is number => c !== null);
      const row = { rps: median(rs.map((r) => r.rps)), p99: median(rs.map((r) => r.p99)), cpu: cpu.length ? median(cpu) : null, failed: rs.reduce((s, r) => s + r.failed, 0) };
      console.log(`  ${t.name.padEnd(50)} ${String(Math.round(row.rps)).padStart(6)} req/s  p99 ${row.p99} ms  cpu ${row.cpu === null ? '?' : row.cpu.toFixed(1)} µs/req${row.failed ? `  non-2xx/errors ${row.failed}` : ''}`);
      return row;
    });
    const [ourRow, peerRow] = rows as [(typeof rows)[0], (typeof rows)[0]];
    const ratio = ourRow.rps / peerRow.rps;
    const cpu = ourRow.cpu !== null && peerRow.cpu !== null ? `; CPU per token ${(peerRow.cpu / ourRow.cpu).toFixed(1)}× less` : '';
    console.log(`  ratio golive / oauth2-mock-server: ${ratio.toFixed(1)}× (target ≥ 5×): ${ratio >= 5 ? 'OK' : 'LOW'}${cpu}`);
    return ratio;
  } finally {
    await Promise.allSettled(children.map(stopChild));
  }
}
