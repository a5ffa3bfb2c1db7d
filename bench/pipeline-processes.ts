/**
 * The pipeline as users run it: `golive serve` over HTTPS in a process of its own against a
 * bare fastify HTTPS route in another, autocannon in a third, each target measured after the
 * mock's journal ring has wrapped (so dropping old entries is in the figure), A B A B.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const AUTOCANNON = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
const GOLIVE = new URL('../bin/golive.js', import.meta.url).pathname;
const here = (file: string) => new URL(file, import.meta.url).pathname;

export interface ProcessBenchOptions {
  seconds: number;
  rounds: number;
  connections: number;
  /** The journal's default bound: this many requests more than it before measuring. */
  journalEntries: number;
  /** Write a V8 CPU profile of each mock process here (`node --cpu-prof`), for profiling. */
  cpuProfileDir?: string;
}

export interface Child {
  name: string;
  process: ChildProcess;
  line: Record<string, unknown>;
}

/** Starts `node args`, waits for its first line of stdout (JSON) and keeps it. Its stderr is dropped: `golive serve` prints secrets there. */
export async function startChild(name: string, args: string[], cpuProfileDir?: string): Promise<Child> {
  const prof = cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`, `--cpu-prof-name=${name.replace(/\W+/g, '-')}.cpuprofile`] : [];
  const child = spawn(process.execPath, [...prof, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout! });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready`)));
  });
  lines.close();
  child.stdout!.resume();
  return { name, process: child, line: JSON.parse(line) as Record<string, unknown> };
}

export async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null) return;
  const exited = new Promise((resolve) => child.process.once('exit', resolve));
  child.process.kill('SIGTERM');
  await exited;
}

/** One HTTPS request trusting `ca`; the body as text. */
export function fetchText(url: string, ca: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, ca }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${url}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** A token for the API user a mock process printed (`golive serve --json`'s line), over HTTPS trusting its CA. */
export function tokenFor(mock: Child, ca: string): Promise<string> {
  const { clientId, clientSecret } = mock.line.apiUser as { clientId: string; clientSecret: string };
  return fetchText(`${mock.line.apiUrl as string}/api/token`, ca, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ clientId, clientSecret }).toString(),
  });
}

/** CPU seconds a process has used so far (user + system), from /proc: `null` where there is none. */
export function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ is 100 on Linux)
  } catch {
    return null;
  }
}

interface Load {
  rps: number;
  total: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU time of the server's process per request, µs: steadier than req/s on a shared machine. */
  cpuPerRequestUs: number | null;
}

/** autocannon in its own process; `amount` sends that many requests instead of running for `seconds`. */
export async function load(url: string, headers: Record<string, string>, pid: number, connections: number, run: { seconds: number } | { amount: number }): Promise<Load> {
  const args = [AUTOCANNON, '-j', '-c', String(connections), ...('amount' in run ? ['-a', String(run.amount)] : ['-d', String(run.seconds)])];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const before = cpuSeconds(pid);
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  const after = cpuSeconds(pid);
  const r = JSON.parse(stdout) as { requests: { average: number; total: number }; latency: { p99: number }; non2xx: number; errors: number };
  return {
    rps: r.requests.average,
    total: r.requests.total,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    cpuPerRequestUs: before === null || after === null ? null : ((after - before) * 1e6) / r.requests.total,
  };
}

interface Target {
  name: string;
  url: string;
  pid: number;
  /** Requests to send before measuring (a mock's journal must have wrapped). */
  warmUp: number;
}

/** Runs the comparison and prints its table; returns the ratios (ours / bare), one per bare variant. */
export async function pipelineInProcesses(o: ProcessBenchOptions): Promise<Record<string, number>> {
  const work = await mkdtemp(join(tmpdir(), 'golive-bench-'));
  const children: Child[] = [];
  try {
    const ours = await startChild('golive serve (rate limits on, bucket never dry)', [here('./serve-process.mjs')], o.cpuProfileDir);
    children.push(ours);
    // The CLI as shipped, for comparison: it has no flag for the bucket, so its limits are off.
    const cli = await startChild('golive serve --no-rate-limits', [GOLIVE, 'serve', '--json', '--no-rate-limits'], o.cpuProfileDir);
    children.push(cli);
    const ca = await readFile(ours.line.caCert as string, 'utf8');
    const token = await tokenFor(ours, ca);
    const cliToken = await tokenFor(cli, await readFile(cli.line.caCert as string, 'utf8'));
    // One fault rule that never matches this request, so the matcher does its work.
    for (const mock of [ours, cli]) {
      const added = await fetch(`${mock.line.adminUrl}/__admin/faults`, {
        method: 'POST',
        headers: { authorization: `Bearer ${mock.line.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ match: { path: '/api/Products/**' }, action: { kind: 'status', status: 503 } }),
      });
      if (!added.ok) throw new Error(`${mock.name}: adding the fault rule answered ${added.status}`);
    }
    const path = `/api/Orders/${ours.line.orderId as string}`;
    const authorization = `Bearer ${token}`;
    const order = await fetchText(`${ours.line.apiUrl}${path}`, ca, { headers: { authorization } });
    const orderFile = join(work, 'order.json');
    await writeFile(orderFile, order);
    const bareString = await startChild('bare fastify, pre-serialised string', [here('./bare-process.mjs'), 'string', orderFile], o.cpuProfileDir);
    children.push(bareString);
    const bareObject = await startChild('bare fastify, serialising the object', [here('./bare-process.mjs'), 'object', orderFile], o.cpuProfileDir);
    children.push(bareObject);

    const wrap = o.journalEntries + 10_000;
    const targets: Target[] = [
      { name: ours.name, url: `${ours.line.apiUrl}${path}`, pid: ours.process.pid!, warmUp: wrap },
      { name: bareString.name, url: `${bareString.line.url}${path}`, pid: bareString.process.pid!, warmUp: 50_000 },
      { name: bareObject.name, url: `${bareObject.line.url}${path}`, pid: bareObject.process.pid!, warmUp: 50_000 },
      { name: cli.name, url: `${cli.line.apiUrl}${path}`, pid: cli.process.pid!, warmUp: wrap },
    ];
    // Every target gets the same request, Authorization header included (the CLI's own token is as long).
    const headersOf = (t: Target) => ({ authorization: t.name === cli.name ? `Bearer ${cliToken}` : authorization });
    for (const t of targets) {
      const w = await load(t.url, headersOf(t), t.pid, o.connections, { amount: t.warmUp });
      if (w.non2xx || w.errors) throw new Error(`${t.name}: ${w.non2xx} non-2xx, ${w.errors} errors in the warm-up`);
    }
    const rounds = new Map<string, Load[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < o.rounds; round++) {
      for (const t of targets) rounds.get(t.name)!.push(await load(t.url, headersOf(t), t.pid, o.connections, { seconds: o.seconds }));
    }

    // The median round of each: a neighbour's burst of CPU on a shared machine costs a round, not the ratio.
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const summary = targets.map((t) => {
      const rs = rounds.get(t.name)!;
      const cpu = rs.map((r) => r.cpuPerRequestUs).filter((c): c is number => c !== null);
      return { t, rps: median(rs.map((r) => r.rps)), p99: median(rs.map((r) => r.p99)), cpu: cpu.length ? median(cpu) : null, non2xx: rs.reduce((s, r) => s + r.non2xx + r.errors, 0) };
    });
    console.log(`GET /api/Orders/{id} over HTTPS: each server in its own process, autocannon -c ${o.connections} in another, loopback;`);
    console.log(`  median of ${o.rounds} rounds of ${o.seconds} s, targets alternating, after ${wrap.toLocaleString('en')} requests to each mock (more than its journal keeps: at most ${o.journalEntries.toLocaleString('en')} entries, and fewer within its byte bound)`);
    for (const s of summary) {
      console.log(`  ${s.t.name.padEnd(50)} ${String(Math.round(s.rps)).padStart(6)} req/s  p99 ${s.p99} ms  cpu ${s.cpu === null ? '?' : s.cpu.toFixed(1)} µs/req${s.non2xx ? `  non-2xx/errors ${s.non2xx}` : ''}`);
    }
    const [ourRow, stringRow, objectRow, cliRow] = summary as [(typeof summary)[0], (typeof summary)[0], (typeof summary)[0], (typeof summary)[0]];
    const ratios: Record<string, number> = {};
    for (const [label, bare] of [['pre-serialised string', stringRow], ['serialising the object', objectRow]] as const) {
      const ratio = ourRow.rps / bare.rps;
      ratios[label] = ratio;
      const cpu = ourRow.cpu !== null && bare.cpu !== null ? `; CPU per request ${(ourRow.cpu / bare.cpu).toFixed(2)}×` : '';
      console.log(`  ratio ours / bare (${label}): ${ratio.toFixed(2)} (target ≥ 0.80): ${ratio >= 0.8 ? 'OK' : 'LOW'}${cpu}`);
    }
    console.log(`  golive serve --no-rate-limits / bare (serialising the object): ${(cliRow.rps / objectRow.rps).toFixed(2)}`);
    return ratios;
  } finally {
    await Promise.allSettled(children.map(stopChild));
    await rm(work, { recursive: true, force: true });
  }
}
