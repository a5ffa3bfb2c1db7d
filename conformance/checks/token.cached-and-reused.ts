import type { JournalEntry } from '../../mock-server/index.ts';
import { type Finding, defineCheck, exchangesCredentials, firstOf, inconclusive, isApiCall, isTokenRequest, phase, phaseMissing, phaseTraffic, requestEvidence } from './check.ts';
import type { Observations } from './observations.ts';

/** Token requests this close together, with no 401 near them, are one renewal asked for many times. */
const STAMPEDE_WINDOW_MS = 1_000;
/** More than this many in one window is a stampede: one renewal, and perhaps a second racing it. */
const STAMPEDE_MAX = 2;

/**
 * Tokens over several lifetimes (the short-lived-tokens phase, when it ran): renewing at half a
 * token's lifetime at the earliest, a phase of length L with tokens of lifetime T needs at most
 * L / (T / 2) + 1 token requests, plus one per 401. More is renewing far too early; three or
 * more within a second is every concurrent call renewing for itself at one expiry.
 */
function judgeRenewals(obs: Observations): Finding | null {
  const short = phase(obs, 'short-lived-tokens');
  if (!short?.completed) return null;
  const lifetime = short.params.tokenLifetimeSeconds;
  if (!lifetime) return null;
  const traffic = phaseTraffic(obs, short);
  const tokens = traffic.filter((e) => isTokenRequest(e) && e.status === 200);
  const forced = traffic.filter((e) => isApiCall(e) && e.status === 401);
  const stampede = largestBurst(tokens, forced);
  if (stampede.length > STAMPEDE_MAX) {
    return {
      verdict: 'fail',
      summary: `${stampede.length} token requests within ${STAMPEDE_WINDOW_MS / 1000} s during the short-lived-token phase, with no 401 between them: concurrent calls each renewed the token for themselves. Share one renewal (single flight): the first caller renews, the others wait for its token.`,
      evidence: firstOf(stampede.map((e) => requestEvidence(obs, e, 'renewal'))),
    };
  }
  const seconds = (short.endMono - short.startMono) / 1000;
  const allowed = Math.ceil(seconds / (lifetime / 2)) + 1 + forced.length;
  if (tokens.length <= allowed) return null;
  return {
    verdict: 'fail',
    summary: `${tokens.length} token requests in the ${Math.round(seconds)}-second short-lived-token phase with ${lifetime}-second tokens, where renewing at half the lifetime would need at most ${allowed}: the token is renewed far earlier than it needs to be.`,
    evidence: [
      { kind: 'metric' as const, name: 'token requests (short-lived-token phase)', value: tokens.length, limit: allowed },
      ...firstOf(tokens.map((e) => requestEvidence(obs, e)), 5),
    ],
  };
}

/**
 * The most token requests that fall within one window with no refused call (401) in it or just
 * before it: renewals a 401 forced are token.renew-once-on-401's to judge.
 */
function largestBurst(tokens: readonly JournalEntry[], refused: readonly JournalEntry[]): JournalEntry[] {
  let best: JournalEntry[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const from = tokens[i]!.mono;
    const burst = tokens.slice(i).filter((e) => e.mono - from <= STAMPEDE_WINDOW_MS);
    const last = burst.at(-1)!.mono;
    if (refused.some((r) => r.mono > from - STAMPEDE_WINDOW_MS && r.mono < last)) continue;
    if (burst.length > best.length) best = burst;
  }
  return best;
}

export default defineCheck({
  id: 'token.cached-and-reused',
  title: 'A token is requested once and reused for many calls',
  section: 'Token handling',
  required: true,
  phases: [],
  appliesTo: exchangesCredentials,
  remediation:
    'Cache the token (in memory) for its lifetime and reuse it for every call; request a new one only shortly before it expires or after a 401. A token is good for its whole lifetime (often days): there is no reason to ask for one per call. A job that runs again and again keeps its token in a secret store between runs (under golive: the folder GOLIVE_TOKEN_CACHE_DIR names).',
  judge(obs) {
    const steady = phase(obs, 'steady');
    if (!steady?.completed) return phaseMissing('steady', steady);
    // From the start of the run: the first token request usually comes before the phase begins.
    const traffic = phaseTraffic(obs, steady, obs.runStartMono, steady.endMono);
    const calls = traffic.filter(isApiCall);
    const tokens = traffic.filter((e) => isTokenRequest(e) && e.status === 200);
    const forced = calls.filter((e) => e.status === 401).length;
    if (calls.length < 2) {
      return inconclusive(
        `Only ${calls.length} API call(s) in the steady phase: not enough to tell whether the token is reused. Make the integration call the API during the run (e.g. poll on a timer).`,
      );
    }
    // A job that keeps no state between runs (config integration.tokenCache: false) may ask once per run.
    const stateless = obs.job !== null && !obs.job.tokenCache;
    const runs = obs.job ? obs.job.starts.filter((mono) => mono <= steady.endMono).length : 0;
    const allowed = (stateless ? Math.max(1, runs) : 1) + forced;
    const evidence = [
      { kind: 'metric' as const, name: 'token requests', value: tokens.length, limit: allowed },
      { kind: 'metric' as const, name: 'API calls', value: calls.length },
      ...(obs.job ? [{ kind: 'metric' as const, name: 'job runs', value: runs }] : []),
    ];
    const across = obs.job ? ` across ${runs} run(s) of the job${stateless ? ' (it keeps no state between runs: one token per run is allowed)' : ', with the token cache folder golive handed it'}` : '';
    if (tokens.length <= allowed) {
      const renewing = stateless ? null : judgeRenewals(obs);
      if (renewing) return renewing;
      return { verdict: 'pass', summary: `${tokens.length} token request(s) served ${calls.length} API calls in the steady phase${across}.`, evidence };
    }
    const why =
      obs.job === null
        ? `where one token${lifetimeOf(tokens)} would do`
        : stateless
          ? 'more than one per run of the job'
          : 'although golive handed the job a token cache folder (GOLIVE_TOKEN_CACHE_DIR) to keep its token in between runs';
    return {
      verdict: 'fail',
      summary: `${tokens.length} token requests for ${calls.length} API calls in the steady phase${obs.job ? ` (${runs} job run(s))` : ''}, ${why}.`,
      evidence: [...evidence, ...firstOf(tokens.map((e) => requestEvidence(obs, e)), 5)],
    };
  },
});

/** ` (valid N days/hours/minutes)`: how long the first token issued lived, from its `exp`; empty when unknown. */
function lifetimeOf(tokens: readonly JournalEntry[]): string {
  const first = tokens.find((e) => e.issued);
  if (!first?.issued) return '';
  const seconds = first.issued.exp - Math.floor(Date.parse(first.time) / 1000);
  if (!(seconds > 0)) return '';
  const [n, unit] = seconds >= 2 * 86_400 ? [seconds / 86_400, 'days'] : seconds >= 2 * 3600 ? [seconds / 3600, 'hours'] : [seconds / 60, 'minutes'];
  return ` (valid ${Math.round(n)} ${unit})`;
}
