/**
 * `npm run soak [-- SECONDS]`: `golive serve` in its own process under as much load as this
 * machine gives it (autocannon, 50 connections, its own process, loopback only) for SECONDS
 * (default 600), then stops by itself. It holds when the server's RSS stays within 100 MB of
 * its level after the warm-up (until the journal's ring has wrapped, and at least the first
 * fifth), and the journal lost no entry: it counted
 * every request sent and keeps the newest, in order, within its bound. Exit 1 otherwise.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const SECONDS = Number(process.argv[2] ?? process.env.SOAK_SECONDS ?? 600);
const RSS_GROWTH_LIMIT_MB = 100;
/** The journal's default bound (mock-server/journal/journal.ts). */
const JOURNAL_ENTRIES = 100_000;
const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const GOLIVE = new URL('../bin/golive.js', import.meta.url).pathname;

/** Resident set size of a process, MB (Linux: /proc). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

function serve(): Promise<{ child: ChildProcess; info: { apiUrl: string; adminUrl: string; adminToken: string; apiUser: { clientId: string; clientSecret: string } } }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GOLIVE, 'serve', '--json', '--no-tls', '--no-rate-limits'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, info: JSON.parse(out.slice(0, nl)) });
    });
    child.on('close', (code) => reject(new Error(`golive serve exited ${code} before it was ready`)));
  });
}

const { child, info } = await serve();
const pid = child.pid!;
try {
  const tokenAnswer = await fetch(`${info.apiUrl}/api/token?returnAsJson=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', clientId: info.apiUser.clientId, clientSecret: info.apiUser.clientSecret }),
  });
  const { accessToken } = (await tokenAnswer.json()) as { accessToken: string };
  const admin = { authorization: `Bearer ${info.adminToken}` };
  const journalAt = async (since: number) => (await (await fetch(`${info.adminUrl}/__admin/journal?since=${since}`, { headers: admin })).json()) as { lastSeq: number; entries: { seq: number }[] };
  const before = (await journalAt(Number.MAX_SAFE_INTEGER)).lastSeq;

  // RSS every second, with how many requests the journal holds: it fills its ring (100,000
  // entries) first, so the warm-up lasts until the ring has wrapped, and at least a fifth of the run.
  const samples: { t: number; mb: number; seq: number }[] = [];
  const started = Date.now();
  let seq = before;
  const sampler = setInterval(() => {
    samples.push({ t: (Date.now() - started) / 1000, mb: rssMb(pid), seq: seq - before });
    void journalAt(Number.MAX_SAFE_INTEGER).then((j) => (seq = j.lastSeq), () => {});
  }, 1000);
  const args = [AUTOCANNON, '-j', '-c', '50', '-d', String(SECONDS), '-H', `authorization=Bearer ${accessToken}`, `${info.apiUrl}/api/Orders/GetOrders?pageSize=5`];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  clearInterval(sampler);
  const load = JSON.parse(stdout) as { requests: { average: number; total: number }; non2xx: number; errors: number };

  const wrapped = samples.filter((s) => s.seq >= JOURNAL_ENTRIES * 1.1);
  const warm = (wrapped.length > 0 ? wrapped : samples).filter((s) => s.t >= SECONDS / 5);
  if (wrapped.length === 0) console.log('  (the journal never filled its ring: the warm-up ends at the first fifth)');
  const baseline = warm[0]?.mb ?? samples.at(-1)!.mb;
  const peak = Math.max(...warm.map((s) => s.mb));
  const growth = peak - baseline;
  // Every request sent was counted, and the newest are kept in order (the journal keeps 100,000 by default).
  const after = await journalAt(Number.MAX_SAFE_INTEGER);
  const counted = after.lastSeq - before;
  const tail = (await journalAt(after.lastSeq - 1_000)).entries.map((e) => e.seq);
  const contiguous = tail.length === 1_000 && tail.every((seq, i) => i === 0 || seq === tail[i - 1]! + 1);

  console.log(`soak: ${SECONDS} s of golive serve at ${Math.round(load.requests.average)} requests/s (${load.requests.total} requests, ${load.non2xx} non-2xx, ${load.errors} errors)`);
  console.log(`  RSS after warm-up ${baseline.toFixed(0)} MB, peak ${peak.toFixed(0)} MB: grew ${growth.toFixed(0)} MB (limit ${RSS_GROWTH_LIMIT_MB}): ${growth <= RSS_GROWTH_LIMIT_MB ? 'OK' : 'ABOVE LIMIT'}`);
  console.log(`  journal counted ${counted} of ${load.requests.total} requests, newest 1,000 in order: ${counted >= load.requests.total && contiguous ? 'OK' : 'LOST ENTRIES'}`);
  process.exitCode = growth <= RSS_GROWTH_LIMIT_MB && counted >= load.requests.total && contiguous && load.non2xx === 0 ? 0 : 1;
} finally {
  child.kill('SIGINT');
}
