import type { JournalEntry } from '../../mock-server/index.ts';
import { defineCheck, inconclusive, isApiCall, isTokenRequest, testUsers } from './check.ts';
import type { Observations } from './observations.ts';
import { askedFor, describeMistake, fieldMistake, listed, mistakeEvidence, refusedForPermission } from './token-traffic.ts';
import { isSuccess, recordsOf } from './webhook-traffic.ts';

/**
 * Why the work the integration does for a webhook event was not observed, or null when it was
 * (or there is no endpoint): a role left unused then may be the one that work needs.
 */
function webhookWorkUnseen(obs: Observations): string | null {
  const w = obs.webhook;
  if (!w) return null;
  if (!w.first) return w.problem ?? 'the webhook phase did not run';
  // An endpoint that does its work before answering met golive's slow downstream and answered
  // late: its work was still done, and its calls are in the journal.
  const worked = (w.slowDownstream?.seqs.length ?? 0) > 0;
  if (!worked && !recordsOf(w, w.first.seqs).some(isSuccess)) return 'no delivery of the order event was accepted by the endpoint';
  if (!w.first.settled) return 'the work set off by the accepted delivery had not finished when the phase went on';
  return null;
}

/** What the token requests of the run's test API users asked for (those that named their permissions and got a token), once per different ask. */
function asksOf(obs: Observations): { names: string[]; requests: JournalEntry[] }[] {
  const asks = new Map<string, { names: string[]; requests: JournalEntry[] }>();
  const ours = testUsers(obs);
  for (const e of obs.journal) {
    if (e.environment !== 'test' || e.apiUser === null || !ours.has(e.apiUser) || !isTokenRequest(e) || !e.issued) continue;
    const names = askedFor(e);
    if (names === null) continue;
    const key = [...names].sort().join(' ');
    const ask = asks.get(key) ?? { names, requests: [] };
    ask.requests.push(e);
    asks.set(key, ask);
  }
  return [...asks.values()];
}

export default defineCheck({
  id: 'credentials.least-privilege',
  title: 'The API user has no more permissions (roles, scopes) than the endpoints it calls require',
  section: 'Credentials',
  required: true,
  phases: ['webhooks'],
  remediation:
    'Assign only the roles (or scopes) the integration needs: a broader one includes the narrower ones (an Admin role includes its Read role; an owner role that includes everything is almost never right for an integration). golive names the minimal set below: assign exactly that (config apiUser.roles), and where the token request names the scopes it asks for, ask for exactly that set too.',
  judge(obs) {
    const p = obs.permissions;
    const calls = obs.journal.filter((e) => e.environment === 'test' && e.apiUser !== null && testUsers(obs).has(e.apiUser) && isApiCall(e));
    if (calls.length === 0) return inconclusive(`The integration called no API endpoint, so the ${p.noun}s it needs are unknown.`);
    // The one name an all-powerful API user holds (`*`, an owner role) says what it is: everything.
    const label = (name: string) => (p.owner.length === 1 && p.owner[0] === name ? `${name} (all ${p.noun}s)` : name);
    const byRoute = new Map<string, { role: string; method: string; path: string; count: number }>();
    for (const e of calls) {
      const info = obs.endpoints.find((ep) => ep.id === e.routeId);
      if (!info?.role) continue;
      const seen = byRoute.get(info.id);
      if (seen) seen.count += 1;
      else byRoute.set(info.id, { role: info.role, method: info.method, path: info.path, count: 1 });
    }
    const minimal = p.minimal([...byRoute.values()].map((r) => r.role));
    const needed = p.effective(minimal);
    const assigned = obs.apiUser.roles.filter((r) => p.has(r));
    // The baseline (Omnium's ApiUser, "required for authentication") is never counted as excess.
    const beyondNeed = (names: readonly string[]) => names.filter((n) => p.has(n) && [...p.expand(n)].some((x) => !needed.has(x) && !p.baseline.includes(x)));
    const excess = [...p.effective(assigned)].filter((r) => !needed.has(r) && !p.baseline.includes(r));
    const excessAssigned = assigned.filter((r) => [...p.expand(r)].some((x) => excess.includes(x)));

    // What the token requests asked for: a token carries that, within what its API user holds.
    const asks = asksOf(obs);
    const askOf = new Map(asks.flatMap((a) => a.requests.map((e) => [e.issued!.tokenId, a.names] as const)));
    const overAsked = asks.filter((a) => beyondNeed(a.names).length > 0);
    // Calls refused because their token did not ask for what they needed, though it named what it asked for.
    const underAsked = calls.filter((e) => refusedForPermission(e) && e.tokenId !== null && askOf.has(e.tokenId) && !p.grants(askOf.get(e.tokenId)!, e.requiredRole));
    // A token request that sent a field name with its punctuation (`scope:`), and the calls refused for it.
    const mistake = fieldMistake(obs, calls);
    const refusedForToken = new Set([...underAsked, ...(mistake?.refused ?? [])]);
    const allRefused = calls.every((e) => refusedForToken.has(e));

    const overAskedRequests = overAsked.reduce((n, a) => n + a.requests.length, 0);
    const askedWho = overAskedRequests === 1 ? 'the token request' : `${overAskedRequests} token requests`;
    const askedBeyond = listed([...new Set(overAsked.flatMap((a) => beyondNeed(a.names)))].map(label));
    const underAskedNames = [...new Set(underAsked.map((e) => e.requiredRole!))].sort();
    const mistaken = mistake ? describeMistake(mistake, p.noun, minimal) : '';
    const whyRefused = mistake && mistake.refused.length > 0
      ? mistaken
      : underAsked.length > 0
        ? `${underAsked.length} call(s) were refused with 403 because the token requests did not ask for ${listed(underAskedNames)}: ask for ${minimal.join(', ')}.`
        : '';

    const evidence = [
      // The mistake in words, unless the summary already says it.
      ...(mistake && whyRefused !== mistaken ? [{ kind: 'note' as const, text: mistaken }] : []),
      ...(mistake ? mistakeEvidence(obs, mistake) : []),
      { kind: 'note' as const, text: `assigned: ${assigned.map(label).join(', ') || '(none)'}` },
      { kind: 'note' as const, text: `minimal ${p.noun} set for the calls made: ${minimal.join(', ')}` },
      ...asks.map((a) => ({ kind: 'note' as const, text: `token request(s) asked for: ${a.names.map(label).join(', ') || '(nothing)'} (×${a.requests.length})` })),
      ...[...byRoute.values()].map((r) => ({ kind: 'note' as const, text: `${r.method} ${r.path} (×${r.count}) requires ${r.role}` })),
    ];
    const sentences = (...parts: string[]) => parts.filter(Boolean).join(' ');

    if (excess.length === 0) {
      const granted = p.effective(assigned);
      const missing = minimal.filter((r) => !granted.has(r));
      const note = missing.length ? ` (the calls also needed ${missing.join(', ')}, which is not assigned: they were refused with 403)` : '';
      const base = `The assigned ${p.noun}s (${assigned.map(label).join(', ')}) grant nothing beyond what the calls made require${note}`;
      const but = overAsked.length ? `; but ${askedWho} asked for ${askedBeyond}: ask for exactly ${minimal.join(', ')}, so that a token never carries more than the calls need` : '';
      return { verdict: 'pass', summary: sentences(`${base}${but}.`, whyRefused), evidence };
    }
    const unused = excessAssigned.map(label).join(', ');
    const unseen = webhookWorkUnseen(obs);
    if (unseen) {
      return inconclusive(
        sentences(`${unused} went unused, but the integration's webhook work was not observed (${unseen}), and it may need them; the calls made need only ${minimal.join(', ')}.`, whyRefused),
        evidence,
      );
    }
    if (allRefused) {
      // Nothing the integration asked for was answered: the work that would follow its first calls was never seen.
      return inconclusive(
        sentences(
          `${unused} went unused, but every one of the ${calls.length} API call(s) was refused with 403, so the work that would follow them was never seen, and it may need them; the calls made need only ${minimal.join(', ')}.`,
          whyRefused,
        ),
        evidence,
      );
    }
    return {
      verdict: 'fail',
      summary: sentences(
        `${unused} grant(s) more than the calls need; assign exactly: ${minimal.join(', ')}.`,
        overAsked.length ? `${askedWho[0]!.toUpperCase()}${askedWho.slice(1)} asked for ${askedBeyond} as well: ask for exactly the same.` : '',
        whyRefused,
      ),
      evidence,
    };
  },
});
