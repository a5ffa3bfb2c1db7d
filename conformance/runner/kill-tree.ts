/**
 * Finds and ends every process an integration started: its process group, the descendants
 * that left it (`setsid`, `detached`), and on Linux those that were already orphaned.
 */
import { readFile, readdir } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
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

/** Every living process that belongs to the run: the tree under `pid`, and tagged processes. */
export async function runProcesses(pid: number | undefined, tag: string): Promise<number[]> {
  const [tree, tagged] = await Promise.all([pid === undefined ? [] : treeOf(pid), taggedProcesses(tag)]);
  const all = new Set([...tree, ...tagged]);
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
}

/**
 * SIGTERM to the group and to every descendant found (looked up before signalling: once a
 * parent dies its children are re-parented and out of the tree), SIGKILL after the grace
 * period. Descendants outside the group are killed before the group, so that a parent
 * still alive reaps them (an init that does not reap would leave them as zombies).
 * Resolves when every process is gone; says whether SIGKILL was needed.
 */
export async function killTree(options: KillTreeOptions): Promise<{ forced: boolean }> {
  const { pid, tag } = options;
  const pids = await runProcesses(pid, tag);
  if (pids.length === 0) return { forced: false };
  if (pid !== undefined) signal(-pid, 'SIGTERM');
  for (const p of pids) signal(p, 'SIGTERM');
  if (await waitFor(pids, isGone, options.graceMs)) return { forced: false };

  // Whatever started during the grace period is killed too.
  const remaining = [...new Set([...pids, ...(await runProcesses(pid, tag))])].filter((p) => !isGone(p));
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
