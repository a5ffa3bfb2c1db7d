import { defineCheck, inconclusive, isApiCall } from './check.ts';
import type { Observations } from './observations.ts';
import { isSuccess, recordsOf } from './webhook-traffic.ts';

/**
 * Why the work the integration does for a webhook event was not observed, or null when it was
 * (or there is no endpoint): a role left unused then may be the one that work needs.
 */
function webhookWorkUnseen(obs: Observations): string | null {
  const w = obs.webhook;
  if (!w) return null;
  if (!w.first) return w.problem ?? 'the webhook phase did not run';
  if (!recordsOf(w, w.first.seqs).some(isSuccess)) return 'no delivery of the order event was accepted by the endpoint';
  if (!w.first.settled) return 'the work set off by the accepted delivery had not finished when the phase went on';
  return null;
}

export default defineCheck({
  id: 'credentials.least-privilege',
  title: 'The API user has no more permissions (roles, scopes) than the endpoints it calls require',
  section: 'Credentials',
  required: true,
  phases: ['webhooks'],
  remediation:
    'Assign only the roles (or scopes) the integration needs: a broader one includes the narrower ones (an Admin role includes its Read role; an owner role that includes everything is almost never right for an integration). golive names the minimal set below: assign exactly that (config apiUser.roles).',
  judge(obs) {
    const calls = obs.journal.filter((e) => e.environment === 'test' && e.apiUser === obs.clients.test && isApiCall(e));
    if (calls.length === 0) return inconclusive('The integration called no API endpoint, so the roles it needs are unknown.');
    const p = obs.permissions;
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
    const excess = [...p.effective(assigned)].filter((r) => !needed.has(r) && !p.baseline.includes(r));
    const excessAssigned = assigned.filter((r) => [...p.expand(r)].some((x) => excess.includes(x)));
    const evidence = [
      { kind: 'note' as const, text: `assigned: ${assigned.join(', ') || '(none)'}` },
      { kind: 'note' as const, text: `minimal ${p.noun} set for the calls made: ${minimal.join(', ')}` },
      ...[...byRoute.values()].map((r) => ({ kind: 'note' as const, text: `${r.method} ${r.path} (×${r.count}) requires ${r.role}` })),
    ];
    if (excess.length === 0) {
      const granted = p.effective(assigned);
      const missing = minimal.filter((r) => !granted.has(r));
      const note = missing.length ? ` (the calls also needed ${missing.join(', ')}, which is not assigned: they were refused with 403)` : '';
      return { verdict: 'pass', summary: `The assigned ${p.noun}s (${assigned.join(', ')}) grant nothing beyond what the calls made require${note}.`, evidence };
    }
    const unseen = webhookWorkUnseen(obs);
    if (unseen) {
      return inconclusive(
        `${excessAssigned.join(', ')} went unused, but the integration's webhook work was not observed (${unseen}), and it may need them; the calls made need only ${minimal.join(', ')}.`,
        evidence,
      );
    }
    return {
      verdict: 'fail',
      summary: `${excessAssigned.join(', ')} grant(s) more than the calls need; assign exactly: ${minimal.join(', ')}.`,
      evidence,
    };
  },
});
