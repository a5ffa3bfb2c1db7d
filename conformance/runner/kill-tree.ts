/**
 * Finds and ends every process an integration started: its process group, the descendants
 * that left it (`setsid`, `detached`), and on Linux those that were already orphaned: by the
 * run's tag, and by a watch over the run's whole life that follows its process tree and the
 * sessions and groups its processes lead (a double-forked daemon that cleared its
 * environment is re-parented to init, but stays in the session of the process that forked it).
 */
import { readFile, readdir } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pidtree from 'pidtree';

/**
 * The variable every integration is started with; its value is unique per start. A
 * descendant keeps it in its environment even after its parent died and it was
 * re-parented, which is how orphans are found on Linux.
 */
export const RUN_TAG_VARIABLE = 'GOLIVE_RUN_TAG';

const POLL_MS = 20;

/** Whether `pid` has ended: no such process, or a zombie nobody reaps (a dead process). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  return isZombie(pid);
}

/** Whether `pid` no longer exists at all (its parent has reaped it). */
export function isReaped(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // The state is the first field after the command name, which is in parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** Descendants of `pid` (children, grandchildren…), from the process table. */
async function treeOf(pid: number): Promise<number[]> {
  try {
    return await pidtree(pid);
  } catch {
    // pidtree fails when `pid` is gone; its orphans are found by tag.
    return [];
  }
}

/** Processes whose environment carries `RUN_TAG_VARIABLE=tag` (Linux only). */
async function taggedProcesses(tag: string): Promise<number[]> {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`${RUN_TAG_VARIABLE}=${tag}\0`);
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const pids = entries.filter((e) => /^\d+$/.test(e)).map(Number).filter((p) => p !== process.pid);
  const found = await Promise.all(
    pids.map(async (pid) => {
      try {
        const environ = await readFile(`/proc/${pid}/environ`);
        return environ.includes(needle) ? pid : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return found.filter((p): p is number => p !== undefined);
}

/** What `/proc/<pid>/stat` says of a process that identifies it and places it. */
interface ProcStat {
  ppid: number;
  pgid: number;
  sid: number;
  /** Clock ticks after boot when it started: with the pid, an identity that a reused pid does not share. */
  start: number;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (in parentheses, and it may hold spaces): state, ppid, pgrp, session…
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), pgid: Number(f[2]), sid: Number(f[3]), start: Number(f[19]) };
  } catch {
    return undefined;
  }
}

function carriesTag(pid: number, needle: Buffer): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`).includes(needle);
  } catch {
    return false;
  }
}

/** How often the watch looks for new processes (a readdir of /proc, and a stat of each new pid). */
export const WATCH_INTERVAL_MS = 20;

/** The processes of one run, followed from its start to its stop (Linux; elsewhere it finds nothing). */
export interface RunWatch {
  /** Looks at the processes that appeared since the last look, and returns the run's living ones. */
  scan(): number[];
  close(): void;
}

/**
 * Watches the run rooted at `root` until `close()`: every process seen whose parent is the
 * run's, that carries the run's tag, or that is in a session or process group led by one of
 * the run's processes (even a leader that has exited: Linux does not reuse a pid while a
 * session or group of that id exists) is the run's. Each is kept with its start time, so a
 * pid reused by somebody else's process is never taken for it. A chain that forks, calls
 * `setsid` and forks again with no step alive for `WATCH_INTERVAL_MS` can still escape it.
 */
export function watchRun(root: number, tag: string, intervalMs = WATCH_INTERVAL_MS): RunWatch {
  const disabled: RunWatch = { scan: () => [], close: () => undefined };
  if (process.platform !== 'linux') return disabled;
  const rootStat = procStat(root);
  if (!rootStat) return disabled;
  const needle = Buffer.from(`${RUN_TAG_VARIABLE}=${tag}\0`);
  /** The run's processes, by pid, with their start times. */
  const members = new Map<number, number>([[root, rootStat.start]]);
  /** Session and group ids led by a process of the run (with its start time), kept after the leader exits. */
  const leaders = new Map<number, number>([[root, rootStat.start]]);
  /** Every pid seen at the last look, and whether it is the run's. */
  let seen = new Set<number>();

  const belongs = (pid: number, stat: ProcStat): boolean => {
    const parent = members.get(stat.ppid);
    if (parent !== undefined && parent <= stat.start) return true;
    for (const id of [stat.sid, stat.pgid]) {
      const since = leaders.get(id);
      if (since !== undefined && since <= stat.start) return true;
    }
    return carriesTag(pid, needle);
  };

  const scan = (): number[] => {
    let listing: string[];
    try {
      listing = readdirSync('/proc');
    } catch {
      return [];
    }
    const now = new Set<number>();
    const fresh = new Map<number, ProcStat>();
    for (const entry of listing) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      now.add(pid);
      if (seen.has(pid) || pid === process.pid) continue;
      const stat = procStat(pid);
      if (!stat) continue;
      const known = members.get(pid);
      if (known !== undefined && known !== stat.start) members.delete(pid);
      // A pid that leads one of the run's ids again belongs to a new process: that session and group are gone.
      const led = leaders.get(pid);
      if (led !== undefined && led !== stat.start) leaders.delete(pid);
      fresh.set(pid, stat);
    }
    // Parents may be new too: repeat until nothing more joins.
    for (let joined = true; joined; ) {
      joined = false;
      for (const [pid, stat] of fresh) {
        if (members.get(pid) === stat.start || !belongs(pid, stat)) continue;
        members.set(pid, stat.start);
        leaders.set(pid, stat.start);
        joined = true;
      }
    }
    for (const pid of members.keys()) if (!now.has(pid)) members.delete(pid);
    seen = now;
    return [...members.keys()].filter((pid) => !isGone(pid));
  };

  scan();
  let closed = false;
  const timer = setInterval(() => {
    if (!closed) scan();
  }, intervalMs);
  // The watch must not keep the harness alive.
  timer.unref();
  return {
    scan: () => (closed ? [] : scan()),
    close() {
      closed = true;
      clearInterval(timer);
    },
  };
}

/**
 * Every living process that belongs to the run: the tree under `pid`, tagged processes, and
 * those its watch (when given) has followed.
 */
export async function runProcesses(pid: number | undefined, tag: string, watch?: RunWatch): Promise<number[]> {
  const [tree, tagged] = await Promise.all([pid === undefined ? [] : treeOf(pid), taggedProcesses(tag)]);
  const all = new Set([...tree, ...tagged, ...(watch?.scan() ?? [])]);
  if (pid !== undefined) all.add(pid);
  return [...all].filter((p) => !isGone(p));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone, or no longer ours
  }
}

/** Waits until `done(pid)` holds for every pid, or `ms` pass; says whether it held. */
async function waitFor(pids: readonly number[], done: (pid: number) => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (pids.every(done)) return true;
    if (performance.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/** Which run to end, and how patiently. */
export interface KillTreeOptions {
  /** The integration's pid, leader of its own process group. */
  pid: number | undefined;
  /** Its run tag (see `RUN_TAG_VARIABLE`). */
  tag: string;
  /** How long SIGTERM is given before SIGKILL. */
  graceMs: number;
  /** The run's watch (see `watchRun`): finds what left the tree and cleared its environment. */
  watch?: RunWatch;
}

/**
 * SIGTERM to the group and to every descendant found (looked up before signalling: once a
 * parent dies its children are re-parented and out of the tree), SIGKILL after the grace
 * period. Descendants outside the group are killed before the group, so that a parent
 * still alive reaps them (an init that does not reap would leave them as zombies).
 * Resolves when every process is gone; says whether SIGKILL was needed.
 */
export async function killTree(options: KillTreeOptions): Promise<{ forced: boolean }> {
  const { pid, tag, watch } = options;
  const pids = await runProcesses(pid, tag, watch);
  if (pids.length === 0) return { forced: false };
  if (pid !== undefined) signal(-pid, 'SIGTERM');
  for (const p of pids) signal(p, 'SIGTERM');
  if (await waitFor(pids, isGone, options.graceMs)) return { forced: false };

  // Whatever started during the grace period is killed too.
  const remaining = [...new Set([...pids, ...(await runProcesses(pid, tag, watch))])].filter((p) => !isGone(p));
  const others = remaining.filter((p) => p !== pid);
  for (const p of others) signal(p, 'SIGKILL');
  await waitFor(others, isReaped, Math.min(options.graceMs, 500));
  if (pid !== undefined) {
    signal(-pid, 'SIGKILL');
    signal(pid, 'SIGKILL');
  }
  await waitFor(remaining, isGone, 5_000);
  return { forced: true };
}
