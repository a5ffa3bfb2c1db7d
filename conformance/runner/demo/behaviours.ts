/**
 * What `golive demo` judges, as pure functions over journal entries and delivery records: which
 * behaviour a phase provokes, the facts of an integration's traffic in it, and a verdict with the
 * reason. The narration (`narrate.ts`) turns these into sentences; nothing here prints.
 */
import { type DeliveryRecord, type JournalEntry, refusedAsPlain } from '../../../mock-server/index.ts';
import { answeredAt, attemptsOf, gaps, sameRequest } from '../../checks/error-traffic.ts';
import type { PhaseSpec } from '../plan.ts';

/** What a phase provokes, and so what is judged in it (`steady`: nothing, only told). */
export type Behaviour = 'steady' | 'tokens' | 'rate-limit' | 'deactivation' | 'forbidden' | 'faults' | 'rotation' | 'duplicate-webhook' | 'recovery';

/** The behaviours judged, in the order the verdict table lists them, each with its row title. */
export const JUDGED: Readonly<Record<Exclude<Behaviour, 'steady'>, string>> = {
  tokens: 'reuses its token and renews it before it expires',
  'rate-limit': 'backs off on 429 and waits as long as Retry-After says',
  deactivation: 'stops calling when its API user is deactivated',
  forbidden: 'does not retry a request refused with 403',
  faults: 'retries failed requests a bounded number of times',
  rotation: 'picks up a rotated secret',
  'duplicate-webhook': 'processes a duplicate webhook only once',
  recovery: 'is back at work once everything is restored',
};

/** `not-seen`: the integration gave no chance to judge (it made no call, the phase was cut short). */
export type Verdict = 'pass' | 'fail' | 'not-seen';

export interface Judgment {
  verdict: Verdict;
  /** What it did, with the numbers: one line, for the verdict table. */
  summary: string;
  /** Why that matters, for the narration. */
  why: string;
}

/** A stretch of the run, in monotonic milliseconds (the journal's `mono`): from `startMono`, up to but not including `endMono`. */
export interface Window {
  startMono: number;
  endMono: number;
}

/**
 * The behaviour a phase provokes, read from its actions (the first that applies, in this order):
 * a webhook driver, a deactivation, a 429 fault, a withdrawn role or narrowed scope, a secret
 * rotation, other faults or a bad certificate, short-lived or revoked tokens; a phase that only
 * restores is a recovery, one that does nothing is steady traffic.
 */
export function behaviourOf(phase: Pick<PhaseSpec, 'actions' | 'drive'>): Behaviour {
  const actions = phase.actions;
  const has = (kind: PhaseSpec['actions'][number]['kind']) => actions.some((a) => a.kind === kind);
  if (phase.drive === 'webhooks') return 'duplicate-webhook';
  if (actions.some((a) => a.kind === 'patch-api-user' && a.patch.active === false)) return 'deactivation';
  if (actions.some((a) => a.kind === 'add-fault' && a.rule.action.kind === 'status' && a.rule.action.status === 429)) return 'rate-limit';
  if (has('withdraw-roles') || has('withdraw-used-role') || actions.some((a) => a.kind === 'patch-api-user' && (a.patch.roles || a.patch.stores || a.patch.markets))) {
    return 'forbidden';
  }
  if (has('rotate-secret')) return 'rotation';
  if (has('add-fault') || actions.some((a) => a.kind === 'present-certificate' && a.certificate !== 'valid')) return 'faults';
  if (has('revoke-tokens') || actions.some((a) => a.kind === 'patch-api-user' && a.patch.tokenLifetimeSeconds !== undefined)) return 'tokens';
  if (has('restore-api-user') || has('clear-faults') || has('present-certificate')) return 'recovery';
  return 'steady';
}

// ---- facts ----

/** An integration's traffic in one window, counted. */
export interface TrafficFacts {
  /** Every request made as its API user (token requests included). */
  requests: number;
  /** Calls to endpoints that need a role. */
  calls: number;
  tokenRequests: number;
  /** Token requests that got a token. */
  tokensIssued: number;
  /** API calls answered 2xx or 3xx. */
  callsOk: number;
  /** Every request by the status it was answered with (0: no answer, e.g. a reset). */
  statuses: Record<string, number>;
  /** API calls that presented a token that had expired. */
  expiredTokens: number;
  /** API calls that change data. */
  writes: number;
  /** Median time from one request to the next, in ms (`null` with fewer than two). */
  medianGapMs: number | null;
  /** Length of the window, in ms. */
  durationMs: number;
}

/** A call to an endpoint that needs a role (not the token endpoint, health or docs). */
export const isApiCall = (e: JournalEntry): boolean => e.routeId !== null && e.requiredRole !== null;

/** The entries made as one of `clients` (an integration's API user, then any a rotation gave it), in seq order. */
export function trafficOf(journal: readonly JournalEntry[], clients: readonly string[]): JournalEntry[] {
  return journal.filter((e) => e.apiUser !== null && clients.includes(e.apiUser)).sort((a, b) => a.seq - b.seq);
}

/** The entries that arrived within `w`. */
export function within(traffic: readonly JournalEntry[], w: Window): JournalEntry[] {
  return traffic.filter((e) => e.mono >= w.startMono && e.mono < w.endMono);
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const roundMs = (ms: number | null): number | null => (ms === null ? null : Math.round(ms * 10) / 10);

/** The facts of `traffic` (one integration's, see `trafficOf`) within `w`. */
export function trafficFacts(traffic: readonly JournalEntry[], w: Window): TrafficFacts {
  const inside = within(traffic, w);
  const calls = inside.filter(isApiCall);
  const tokens = inside.filter((e) => e.tokenRequest);
  const statuses: Record<string, number> = {};
  for (const e of inside) statuses[e.status] = (statuses[e.status] ?? 0) + 1;
  const arrivals = inside.map((e) => e.mono).sort((a, b) => a - b);
  return {
    requests: inside.length,
    calls: calls.length,
    tokenRequests: tokens.length,
    tokensIssued: tokens.filter((e) => e.issued !== null).length,
    callsOk: calls.filter((e) => e.status >= 200 && e.status < 400).length,
    statuses,
    expiredTokens: calls.filter((e) => e.tokenExpired).length,
    writes: calls.filter((e) => e.writes).length,
    medianGapMs: roundMs(median(arrivals.slice(1).map((m, i) => m - arrivals[i]!))),
    durationMs: Math.round(w.endMono - w.startMono),
  };
}

// ---- wording shared by the judgments ----

/** A duration for people: milliseconds below 0.1 s (a tight loop's gaps), else seconds to one decimal. */
export function seconds(ms: number): string {
  return Math.abs(ms) < 100 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `1 call`, `3 calls`. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

const judgment = (verdict: Verdict, summary: string, why: string): Judgment => ({ verdict, summary, why });

// ---- tokens ----

/** Below this many calls per token issued, a token is not being reused. */
export const MIN_CALLS_PER_TOKEN = 2;

/**
 * Token phases (short-lived and revoked tokens): no call with an expired token, and a token
 * reused for several calls. A client that asks for a token per call never presents an expired
 * one, by accident: its token count gives it away.
 */
export function judgeTokens(traffic: readonly JournalEntry[], w: Window): Judgment {
  const inside = within(traffic, w);
  const calls = inside.filter(isApiCall);
  if (calls.length === 0) return judgment('not-seen', 'made no API call while tokens were short-lived', 'nothing to judge: it did not call the API in this phase');
  const issued = inside.filter((e) => e.tokenRequest && e.issued !== null).length;
  const expired = calls.filter((e) => e.tokenExpired).length;
  const refused = calls.filter((e) => e.status === 401 && !e.tokenExpired).length;
  const ratio = `${count(issued, 'token request')} for ${count(calls.length, 'call')}`;
  if (expired > 0) {
    return judgment(
      'fail',
      `sent ${count(expired, 'call')} with an expired token (${ratio})`,
      'it does not track when its token expires, so every expiry costs a refused call (and a retry) instead of a timely renewal',
    );
  }
  if (calls.length >= 2 * MIN_CALLS_PER_TOKEN && calls.length < MIN_CALLS_PER_TOKEN * issued) {
    return judgment(
      'fail',
      `${ratio}: a new token for (almost) every call`,
      'each token request sends the client secret over the wire again and loads the token endpoint; a token is good until it expires',
    );
  }
  const revoked = refused > 0 ? `; after the revocation ${count(refused, 'call')} answered 401, then it renewed` : '';
  return judgment('pass', `${ratio}, none sent expired${revoked}`, 'one token reused until shortly before it expires: few logins, no refused calls');
}

// ---- 429 ----

/** How much earlier than Retry-After a retry may seem to come (see errors.backoff-on-429). */
const RETRY_AFTER_TOLERANCE_MS = 30;
/** Waits without Retry-After must grow by at least this factor on average. */
const MIN_GROWTH = 1.5;

/** What Retry-After asked for, in ms after the 429 was answered; `null` when it did not come with one (or it is unreadable). */
export function retryAfterMs(e: JournalEntry): number | null {
  const header = e.retryAfter;
  if (header === null) return null;
  if (/^\d+$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - (Date.parse(e.time) + e.latencyMs));
}

/**
 * A 429 phase: every retry of a refused request at least as late as Retry-After asked, and
 * without Retry-After waits that grow. Retries are searched in all of `traffic` (the last may
 * come after the storm); the 429s are those within `w`.
 */
export function judgeRateLimit(traffic: readonly JournalEntry[], w: Window): Judgment {
  const inside = within(traffic, w);
  const refused = inside.filter((e) => isApiCall(e) && e.status === 429);
  if (refused.length === 0) return judgment('not-seen', 'made no API call during the storm', 'nothing to judge: no 429 reached it');
  const waits = refused.flatMap((e) => {
    const retry = traffic.find((x) => x.seq > e.seq && sameRequest(x, e));
    return retry ? [{ e, waited: retry.mono - answeredAt(e), needed: retryAfterMs(e) }] : [];
  });
  const asked = waits.filter((x) => x.needed !== null);
  const early = asked.filter((x) => x.waited + RETRY_AFTER_TOLERANCE_MS < x.needed!);
  const gap = trafficFacts(traffic, w).medianGapMs;
  const storm = `${count(inside.length, 'request')} in ${seconds(w.endMono - w.startMono)}, ${refused.length} answered 429`;
  if (early.length > 0) {
    const neededS = seconds(median(early.map((x) => x.needed!))!);
    return judgment(
      'fail',
      `${storm}, median gap ${gap === null ? '-' : seconds(gap)}; ${early.length} of ${count(asked.length, 'retry', 'retries')} came before the ${neededS} Retry-After`,
      'it never waited for Retry-After: hammering an API that asked for a pause is what gets an API user blocked',
    );
  }
  // Without Retry-After: the waits between the attempts of the first bare 429's request must grow.
  const bare = refused.find((e) => e.retryAfter === null);
  const chain = bare ? gaps(attemptsOf(within(traffic, { startMono: w.startMono, endMono: Number.POSITIVE_INFINITY }), bare)) : [];
  if (chain.length >= 2) {
    const factors = chain.slice(1).map((g, i) => g / Math.max(1, chain[i]!));
    const mean = factors.reduce((a, b) => a + b, 0) / factors.length;
    if (mean < MIN_GROWTH) {
      return judgment(
        'fail',
        `${storm}; without Retry-After its waits did not grow (${chain.map(seconds).join(' → ')})`,
        'retrying at a steady pace keeps a throttled API throttled; waits should grow (exponential backoff with jitter)',
      );
    }
  }
  const shown = waits.slice(0, 5).map((x) => seconds(x.waited));
  const honoured = asked.length > 0 ? `, never before Retry-After (${seconds(median(asked.map((x) => x.needed!))!)})` : '';
  const retried = shown.length > 0 ? `; waits ${shown.join(' → ')}${waits.length > shown.length ? ' …' : ''}${honoured}` : ', and it did not retry them within the storm';
  return judgment('pass', `${storm}${retried}`, 'it gave the API the pause it asked for and spread its retries out');
}

// ---- deactivation ----

/** At most this many token requests, and this many calls, per 30 s after the first 401 (checklist token.no-retry-loop). */
export const DEACTIVATION_LIMIT = 3;
const OBSERVE_MS = 30_000;

/**
 * A deactivation phase: after the first 401 (of a call or a token request), at most
 * `DEACTIVATION_LIMIT` token requests and as many calls per 30 s. (A client that sends an empty
 * token after a refused login is not journalled as its user: its token requests still show it.)
 */
export function judgeDeactivation(traffic: readonly JournalEntry[], w: Window): Judgment {
  const inside = within(traffic, w);
  const first = inside.find((e) => (isApiCall(e) || e.tokenRequest) && e.status === 401);
  if (!first) {
    return inside.length === 0
      ? judgment('not-seen', 'made no request while its API user was deactivated', 'nothing to judge: it did not call the API in this phase')
      : judgment('not-seen', `made ${count(inside.length, 'request')}, none answered 401`, 'nothing to judge: the deactivation never reached it');
  }
  const after = inside.filter((e) => e.seq > first.seq);
  const tokens = after.filter((e) => e.tokenRequest).length;
  const calls = after.filter(isApiCall).length;
  const span = w.endMono - first.mono;
  const limit = DEACTIVATION_LIMIT * Math.max(1, Math.ceil(span / OBSERVE_MS));
  const made = [...(tokens > 0 ? [count(tokens, 'token request')] : []), ...(calls > 0 ? [count(calls, 'call')] : [])];
  const what = `${made.length > 0 ? made.join(' and ') : 'no request'} in ${seconds(span)} after the first 401`;
  if (tokens > limit || calls > limit) {
    const rate = (tokens + calls) / Math.max(0.001, span / 1000);
    return judgment(
      'fail',
      `kept trying: ${what} (${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} a second)`,
      'a login loop against a deactivated user hides the real problem and is what gets an API user blocked; stop, log an error, alert someone',
    );
  }
  return judgment('pass', `stopped: ${what}`, 'one attempt to renew, then a pause: the refusal is reported, not hammered');
}

// ---- 403 ----

/** A request answered 403 this many times in one phase is being retried, whatever the waits. */
const FORBIDDEN_REPEATS = 3;
/** An attempt of the same request this soon after a 403 is a retry, not the next poll. */
const FORBIDDEN_RETRY_MS = 1_000;

/** A phase of withdrawn roles or narrowed scope: a request refused with 403 is not sent again at once, nor again and again. */
export function judgeForbidden(traffic: readonly JournalEntry[], w: Window): Judgment {
  const refused = within(traffic, w).filter((e) => isApiCall(e) && e.status === 403 && !refusedAsPlain(e));
  if (refused.length === 0) return judgment('not-seen', 'made no call that was refused with 403', 'nothing to judge: no 403 reached it');
  const byRequest = new Map<string, JournalEntry[]>();
  for (const e of refused) {
    const key = [...byRequest.keys()].find((k) => sameRequest(byRequest.get(k)![0]!, e)) ?? String(e.seq);
    byRequest.set(key, [...(byRequest.get(key) ?? []), e]);
  }
  const most = Math.max(...[...byRequest.values()].map((l) => l.length));
  const quick = refused.filter((e) => traffic.some((x) => x.seq > e.seq && sameRequest(x, e) && x.mono - answeredAt(e) < FORBIDDEN_RETRY_MS)).length;
  const what = `${count(refused.length, 'call')} refused with 403 (${count(byRequest.size, 'request')})`;
  if (most >= FORBIDDEN_REPEATS || quick > 0) {
    return judgment(
      'fail',
      `${what}; the same request was sent again${quick > 0 ? `, ${quick}× within ${seconds(FORBIDDEN_RETRY_MS)}` : ''} (up to ${most} times)`,
      'a 403 is a configuration problem, not a passing one: retrying only adds refused traffic',
    );
  }
  return judgment('pass', `${what}, not retried`, 'it treated the 403 as a configuration problem and left the request alone');
}

// ---- other faults ----

/** More attempts of one failing request than this is an unbounded retry (as errors.network-retry-bounded allows). */
const MAX_ATTEMPTS = 6;
/** Waits this short between attempts are a tight loop. */
const TIGHT_MS = 100;

/** A phase of resets, 5xx or hangs: each failing request attempted a bounded number of times, not in a tight loop. */
export function judgeFaults(traffic: readonly JournalEntry[], w: Window): Judgment {
  const failed = within(traffic, w).filter((e) => e.fault !== null);
  if (failed.length === 0) return judgment('not-seen', 'no request of it met a fault', 'nothing to judge: the faults never reached it');
  const firsts = failed.filter((e, i) => !failed.slice(0, i).some((x) => sameRequest(x, e)));
  const chains = firsts.map((e) => attemptsOf(traffic, e));
  const longest = Math.max(...chains.map((c) => c.length));
  const waits = chains.flatMap(gaps);
  const tight = median(waits);
  const what = `${count(failed.length, 'request')} met a fault; at most ${count(longest, 'attempt')} of one request`;
  if (longest > MAX_ATTEMPTS || (waits.length >= 2 && tight !== null && tight < TIGHT_MS)) {
    return judgment(
      'fail',
      `${what}${tight === null ? '' : `, median wait ${seconds(tight)}`}`,
      'retrying without a bound (or without a pause) turns a short outage into a flood',
    );
  }
  return judgment('pass', `${what}${tight === null ? '' : `, median wait ${seconds(tight)}`}`, 'failures were retried a few times with pauses, then given up');
}

// ---- rotation ----

/** A secret-rotation phase: an API user that replaced the integration's own made a call that worked. */
export function judgeRotation(traffic: readonly JournalEntry[], clients: readonly string[], w: Window): Judgment {
  const fresh = clients.slice(1);
  if (fresh.length === 0) return judgment('not-seen', 'no secret was rotated', 'nothing to judge');
  const inside = within(traffic, w);
  const worked = inside.filter((e) => isApiCall(e) && e.apiUser !== null && fresh.includes(e.apiUser) && e.status < 400);
  if (worked.length > 0) return judgment('pass', `${count(worked.length, 'call')} with the new credentials worked`, 'it read the new secret from its secret store, with no restart');
  const refused = inside.filter((e) => e.status === 401 && e.apiUser !== null && !fresh.includes(e.apiUser)).length;
  if (refused === 0) {
    return judgment('not-seen', 'kept using its old credentials, which were not refused before the phase ended', 'nothing to judge: the grace period outlasted the phase');
  }
  return judgment('fail', `never used the new credentials (${count(refused, 'request')} refused with the old ones)`, 'a rotation it cannot follow means an outage at every secret change');
}

// ---- duplicate webhook ----

const accepted = (r: DeliveryRecord): boolean => r.status !== null && r.status >= 200 && r.status < 300;

/** How a send ended, in words: `200 in 45 ms`, `no answer (ECONNREFUSED)`. */
export function outcome(r: DeliveryRecord): string {
  return r.status === null ? `no answer (${r.timedOut ? 'timed out' : (r.error ?? 'error')})` : `${r.status} in ${Math.round(r.latencyMs)} ms`;
}

/**
 * The duplicate-webhook phase: of the deliveries to the integration's endpoint within `w` (its
 * subscription's records), the first delivery accepted, then the duplicate (same event id)
 * accepted and followed by no write of the integration's.
 */
export function judgeDuplicate(traffic: readonly JournalEntry[], deliveries: readonly DeliveryRecord[], w: Window): Judgment {
  const sent = deliveries.filter((r) => r.startMono >= w.startMono && r.startMono < w.endMono).sort((a, b) => a.seq - b.seq);
  const dups = sent.filter((r) => r.kind === 'duplicate');
  const dupStart = dups.length > 0 ? Math.min(...dups.map((r) => r.startMono)) : Number.POSITIVE_INFINITY;
  const firsts = sent.filter((r) => (r.kind === 'delivery' || r.kind === 'retry') && r.startMono < dupStart);
  if (firsts.length === 0) return judgment('not-seen', 'no event was delivered to it', 'nothing to judge: no delivery was made');
  const first = firsts.find(accepted);
  const plain = firsts.some((r) => r.fallback && r.status !== null) ? ' over plain HTTP' : '';
  if (!first) {
    return judgment('not-seen', `did not accept the event: ${outcome(firsts.find((r) => r.status !== null) ?? firsts[0]!)}`, 'a duplicate of an event it never took tells nothing');
  }
  if (dups.length === 0) return judgment('not-seen', `accepted the event (${outcome(first)}), but the duplicate was not sent in time`, 'nothing to judge');
  const writes = (from: number, to: number) => traffic.filter((e) => isApiCall(e) && e.writes && e.mono >= from && e.mono < to);
  const firstWrites = writes(first.startMono, dupStart).length;
  const dupWrites = writes(dupStart, w.endMono);
  const answer = dups.find((r) => r.status !== null || r.timedOut) ?? dups[0]!;
  const firstPart = `the event: ${outcome(first)}${plain}, ${count(firstWrites, 'write')}`;
  if (dupWrites.length > 0) {
    const routes = [...new Set(dupWrites.map((e) => `${e.method} ${e.path.split('?')[0]}`))].join(', ');
    return judgment(
      'fail',
      `processed the same event again: ${firstPart}; the duplicate: ${outcome(answer)}, ${count(dupWrites.length, 'write')} (${routes})`,
      'webhooks come at least once: the same event twice did its work twice (stock reserved twice)',
    );
  }
  if (!accepted(answer)) {
    return judgment('fail', `${firstPart}; the duplicate: ${outcome(answer)}`, 'a duplicate must still be answered 2xx, or the platform sends it again and again');
  }
  return judgment('pass', `${firstPart}; the duplicate: ${outcome(answer)}, no write`, 'it remembered the event id and skipped the repeat, still answering 2xx');
}

// ---- recovery ----

/** A recovery phase: the integration made API calls and they worked again. */
export function judgeRecovery(traffic: readonly JournalEntry[], w: Window): Judgment {
  const calls = within(traffic, w).filter(isApiCall);
  const ok = calls.filter((e) => e.status >= 200 && e.status < 400).length;
  if (calls.length === 0) {
    return judgment('fail', `made no API call in the ${seconds(w.endMono - w.startMono)} after everything was restored`, 'it is still not working: it needs a person (or a restart) to come back');
  }
  if (ok === 0) {
    const statuses = [...new Set(calls.map((e) => e.status))].join(', ');
    return judgment('fail', `${count(calls.length, 'call')}, none worked (${statuses})`, 'it is still not working after everything was restored');
  }
  return judgment('pass', `${ok} of ${count(calls.length, 'call')} worked`, 'it came back by itself, with no restart');
}

/** The judgment of a phase of `behaviour`; `null` for steady traffic (told, not judged). */
export function judge(
  behaviour: Behaviour,
  input: { traffic: readonly JournalEntry[]; clients: readonly string[]; deliveries: readonly DeliveryRecord[]; window: Window },
): Judgment | null {
  const { traffic, window: w } = input;
  switch (behaviour) {
    case 'steady':
      return null;
    case 'tokens':
      return judgeTokens(traffic, w);
    case 'rate-limit':
      return judgeRateLimit(traffic, w);
    case 'deactivation':
      return judgeDeactivation(traffic, w);
    case 'forbidden':
      return judgeForbidden(traffic, w);
    case 'faults':
      return judgeFaults(traffic, w);
    case 'rotation':
      return judgeRotation(traffic, input.clients, w);
    case 'duplicate-webhook':
      return judgeDuplicate(traffic, input.deliveries, w);
    case 'recovery':
      return judgeRecovery(traffic, w);
  }
}

/** One verdict from the judgments of every phase of one behaviour: the first fail, else the first pass, else the first. */
export function combine(judgments: readonly Judgment[]): Judgment | null {
  return judgments.find((j) => j.verdict === 'fail') ?? judgments.find((j) => j.verdict === 'pass') ?? judgments[0] ?? null;
}
