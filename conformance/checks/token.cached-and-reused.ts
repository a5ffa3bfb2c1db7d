import { defineCheck, exchangesCredentials, firstOf, inconclusive, isApiCall, isTokenRequest, phase, phaseMissing, requestEvidence, within } from './check.ts';

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
    const traffic = within(obs, obs.runStartMono, steady.endMono).filter((e) => e.apiUser === obs.clients.test);
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
      return { verdict: 'pass', summary: `${tokens.length} token request(s) served ${calls.length} API calls in the steady phase${across}.`, evidence };
    }
    const why =
      obs.job === null
        ? 'where one token (valid 10 days) would do'
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
