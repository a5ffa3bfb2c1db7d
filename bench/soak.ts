/**
 * `npm run soak [-- SECONDS]`: `golive serve` in its own process under as much load as this
 * machine gives it (autocannon, 50 connections, its own process, loopback only) for SECONDS
 * (default 600), then stops by itself. It holds when the server's RSS level (its median over a
 * fifth of the run: collections make a sawtooth of it) at the end is within 100 MB of its level
 * after the warm-up (until the journal's ring has wrapped, and at least the first fifth), and
 * the journal lost no entry: it counted every request sent and keeps the newest,
 * in order, within its bound, and the rate held (no fifth of the run below half the best
 * fifth's requests a second). Exit 1 otherwise.
 *
 * The warm-up must fill the journal (its default bound, 16 MiB: some 37,000 of these requests): until its ring wraps,
 * the journal growing to its bound is growth by design, not a leak.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const SECONDS = Number(process.argv[2] ?? process.env.SOAK_SECONDS ?? 600);
const RSS_GROWTH_LIMIT_MB = 100;
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
  const journalAt = async (since: number) => (await (await fetch(`${info.adminUrl}/__admin/journal?since=${since}`, { headers: admin })).json()) as { lastSeq: number; kept: number; entries: { seq: number }[] };
  const before = (await journalAt(Number.MAX_SAFE_INTEGER)).lastSeq;

  // RSS every second, and whether the journal has dropped entries yet (it keeps fewer than it
  // counted): the warm-up lasts until the ring has wrapped, and at least a fifth of the run.
  const samples: { t: number; mb: number; wrapped: boolean; seq: number }[] = [];
  const started = Date.now();
  let journal = { kept: 0, lastSeq: 0 };
  const sampler = setInterval(() => {
    samples.push({ t: (Date.now() - started) / 1000, mb: rssMb(pid), wrapped: journal.kept < journal.lastSeq, seq: journal.lastSeq });
    void journalAt(Number.MAX_SAFE_INTEGER).then((j) => (journal = j), () => {});
  }, 1000);
  const args = [AUTOCANNON, '-j', '-c', '50', '-d', String(SECONDS), '-H', `authorization=Bearer ${accessToken}`, `${info.apiUrl}/api/Orders/GetOrders?pageSize=5`];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  clearInterval(sampler);
  const load = JSON.parse(stdout) as { requests: { average: number; total: number }; non2xx: number; errors: number };

  const afterWrap = samples.filter((s) => s.wrapped);
  const warm = (afterWrap.length > 0 ? afterWrap : samples).filter((s) => s.t >= SECONDS / 5);
  if (afterWrap.length === 0) console.log('  (the journal never filled its ring: the warm-up ends at the first fifth)');
  // RSS's level is its median over a stretch: between two collections the heap fills with garbage
  // (a sawtooth of 100 MB and more at this rate, the same in the first minute and the tenth), and
  // only what stays after them is held. A leak raises the level from one stretch to the next.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const stretch = Math.max(1, Math.floor(samples.length / 5));
  const baseline = warm.length > 0 ? median(warm.slice(0, stretch).map((s) => s.mb)) : samples.at(-1)!.mb;
  const level = median(samples.slice(-stretch).map((s) => s.mb));
  const peak = Math.max(...warm.map((s) => s.mb));
  const growth = level - baseline;
  // Every request sent was counted, and the newest are kept in order (within the journal's default bound).
  const after = await journalAt(Number.MAX_SAFE_INTEGER);
  const counted = after.lastSeq - before;
  const tail = (await journalAt(after.lastSeq - 1_000)).entries.map((e) => e.seq);
  const contiguous = tail.length === 1_000 && tail.every((seq, i) => i === 0 || seq === tail[i - 1]! + 1);

  console.log(`soak: ${SECONDS} s of golive serve at ${Math.round(load.requests.average)} requests/s (${load.requests.total} requests, ${load.non2xx} non-2xx, ${load.errors} errors)`);
  console.log(
    `  RSS level (median of a fifth of the run) after warm-up ${baseline.toFixed(0)} MB, at the end ${level.toFixed(0)} MB: grew ${growth.toFixed(0)} MB (limit ${RSS_GROWTH_LIMIT_MB}): ${growth <= RSS_GROWTH_LIMIT_MB ? 'OK' : 'ABOVE LIMIT'}; peak ${peak.toFixed(0)} MB`,
  );
  const tenths = Array.from({ length: 10 }, (_, i) => samples[Math.min(samples.length - 1, Math.floor(((i + 1) * samples.length) / 10) - 1)]!);
  // The rate holds: no fifth of the run serves fewer than half the requests a second of the
  // best fifth (a journal that copied itself on every record slowed the server five-fold as it filled).
  const fifths = Array.from({ length: 5 }, (_, i) => samples.slice(Math.floor((i * samples.length) / 5), Math.floor(((i + 1) * samples.length) / 5)));
  const rates = fifths.map((f) => (f.length > 1 ? (f.at(-1)!.seq - f[0]!.seq) / (f.at(-1)!.t - f[0]!.t) : 0));
  const steadyRate = Math.min(...rates) >= Math.max(...rates) / 2;
  console.log(`  RSS at each tenth of the run, MB: ${tenths.map((s) => s.mb.toFixed(0)).join(' ')} (journal wrapped at ${afterWrap[0] ? `${afterWrap[0].t.toFixed(0)} s` : 'no point'})`);
  console.log(`  requests/s in each fifth: ${rates.map((r) => r.toFixed(0)).join(' ')}: ${steadyRate ? 'OK' : 'SLOWED DOWN'}`);
  console.log(`  journal counted ${counted} of ${load.requests.total} requests, newest 1,000 in order: ${counted >= load.requests.total && contiguous ? 'OK' : 'LOST ENTRIES'}`);
  process.exitCode = growth <= RSS_GROWTH_LIMIT_MB && steadyRate && counted >= load.requests.total && contiguous && load.non2xx === 0 ? 0 : 1;
} finally {
  child.kill('SIGINT');
}
