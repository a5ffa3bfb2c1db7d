import { type JournalEntry, requestKey } from '../../mock-server/index.ts';
import { phaseTraffic } from './check.ts';
import type { Observations, PhaseRecord } from './observations.ts';

/** The test traffic of the API users of phase `p` (see `phaseUsers`) from `from` on (to the end of the run by default). */
export function userTraffic(obs: Observations, p: PhaseRecord, from: number, to = Number.POSITIVE_INFINITY): JournalEntry[] {
  return phaseTraffic(obs, p, from, to);
}

/**
 * Whether two requests are attempts of the same request: the same method, path, query and
 * body. The next poll of a route (a new time window in its body or query) is not a retry.
 */
export const sameRequest = (a: JournalEntry, b: JournalEntry): boolean => requestKey(a) === requestKey(b);

/** When the response to `e` left the mock (monotonic ms). */
export const answeredAt = (e: JournalEntry): number => e.mono + e.latencyMs;

/** The attempts of one request: `first` and every later attempt of the same request (`sameRequest`), up to and including the first that did not fail. */
export function attemptsOf(traffic: readonly JournalEntry[], first: JournalEntry): JournalEntry[] {
  const attempts = [first];
  for (const e of traffic) {
    if (e.seq <= first.seq || !sameRequest(e, first)) continue;
    attempts.push(e);
    if (e.status > 0 && e.status < 400 && !e.fault) break;
  }
  return attempts;
}

/** Gaps between successive attempts, from one answer to the next request, in ms. */
export function gaps(attempts: readonly JournalEntry[]): number[] {
  return attempts.slice(1).map((e, i) => e.mono - answeredAt(attempts[i]!));
}

export function phasesNamed(obs: Observations, ...names: string[]): PhaseRecord[] {
  return obs.phases.filter((p) => names.includes(p.name));
}

/** Relative spread of a list of numbers: (max − min) / mean. */
export function spread(values: readonly number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return mean === 0 ? 0 : (Math.max(...values) - Math.min(...values)) / mean;
}

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Whether the client had given a failing request up by `nowMono`, judging by its `attempts`:
 * a client that sends one request at a time (nothing else between the attempts) has given up
 * once it sent something else and stayed away `quietMs` (counted from the end of any token
 * request it made since, which may be its way to the next attempt); otherwise it must stay away `quietMs`
 * and 2.5 times its longest wait so far (backoff doubles its waits, so the next retry would have
 * come; the longest, not the last, since random jitter can make one wait short).
 */
export function gaveUp(traffic: readonly JournalEntry[], attempts: readonly JournalEntry[], nowMono: number, quietMs: number): boolean {
  const first = attempts[0];
  const last = attempts.at(-1);
  if (!first || !last) return false;
  // A token request after the last attempt is the retry's own preparation (a client renews its
  // token before it tries again): the quiet time starts once it was answered or abandoned.
  const renewing = traffic.filter((e) => e.tokenRequest && e.seq > last.seq).map(answeredAt);
  const quiet = nowMono - Math.max(answeredAt(last), ...renewing);
  if (quiet < quietMs) return false;
  const calls = traffic.filter((e) => e.requiredRole !== null);
  const between = calls.some((e) => e.seq > first.seq && e.seq < last.seq && !sameRequest(e, first));
  const movedOn = calls.some((e) => e.mono >= answeredAt(last) && !sameRequest(e, first));
  if (movedOn && !between) return true;
  return quiet >= 2.5 * Math.max(0, ...gaps(attempts));
}

/** Waits this short compare as equal, whatever their ratio: timer and scheduling noise. */
const NOISE_MS = 100;
/** How many waits after a restart must repeat the first waits for it to count as one. */
const RESTART_ECHO = 2;

/** A busy machine's stall, which one wait of either try may carry on top of its backoff. */
const STALL_MS = 200;

const alike = (a: number, b: number): boolean => Math.max(a, b) < NOISE_MS || Math.max(a, b) <= 2 * Math.min(a, b) + STALL_MS;

/** How far a restart's first wait must fall below the longest wait before it: more than a busy machine's stall. */
const DROP_MS = 500;

/**
 * The first try of a failing request, and whether the client started it over. A poller that
 * gives a request up sends the same request again on a later round, and its backoff starts
 * from the beginning: the waits from the restart's first attempt on repeat the first try's
 * opening waits (each within a factor of two, and a stall), and the first of them falls well below the
 * longest wait before it (by half, and by more than a stall). The gap into the restart may be
 * anything: the next poll at once, or a cool-down of many seconds. A client that retries
 * without a limit never starts over: its waits grow, or stay level, and random jitter alone
 * does not repeat the opening waits. Until the waits after a restart are seen, nothing counts
 * as one. (Full jitter, a random wait anywhere below a growing cap, can mimic one by chance:
 * a client that retries without a limit that way may be taken for one that starts over.)
 */
export function firstTry(attempts: readonly JournalEntry[]): { attempts: JournalEntry[]; restarted: boolean } {
  const waits = gaps(attempts);
  // Attempt r opens the new try, and waits[r] is its first wait; a first try has at least three attempts.
  const opens = (r: number): boolean => {
    if (r + RESTART_ECHO > waits.length) return false;
    const longest = Math.max(...waits.slice(0, r));
    const drop = waits[r]!;
    return drop < longest / 2 && longest - drop >= DROP_MS && waits.slice(r, r + RESTART_ECHO).every((w, k) => alike(w, waits[k]!));
  };
  // How far the waits from r on are from the first try's (ratios, on a log scale).
  const distance = (r: number): number =>
    Array.from({ length: RESTART_ECHO }, (_, k) => Math.abs(Math.log(Math.max(NOISE_MS, waits[r + k]!) / Math.max(NOISE_MS, waits[k]!)))).reduce((a, b) => a + b, 0);
  for (let r = 3; r + RESTART_ECHO <= waits.length; r++) {
    if (!opens(r)) continue;
    // A poll gap about as long as the first wait also looks like one: the attempt after it may be the one that opens the new try.
    const start = opens(r + 1) && distance(r + 1) < distance(r) ? r + 1 : r;
    return { attempts: attempts.slice(0, start), restarted: true };
  }
  return { attempts: [...attempts], restarted: false };
}
