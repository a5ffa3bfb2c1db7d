import { type Role, effectiveRoles, isRole, minimalRoles } from '../../mock-server/index.ts';
import { defineCheck, inconclusive, isApiCall } from './check.ts';

export default defineCheck({
  id: 'credentials.least-privilege',
  title: 'The API user has no more roles than the endpoints it calls require',
  section: 'Credentials',
  required: true,
  phases: ['webhooks'],
  remediation:
    'Assign only the roles the integration needs (an Admin role includes its Read role; ApiOwner includes everything and is almost never right for an integration). golive names the minimal set below: assign exactly that (config apiUser.roles).',
  judge(obs) {
    const calls = obs.journal.filter((e) => e.environment === 'test' && e.apiUser === obs.clients.test && isApiCall(e));
    if (calls.length === 0) return inconclusive('The integration called no API endpoint, so the roles it needs are unknown.');
    const byRoute = new Map<string, { role: Role; method: string; path: string; count: number }>();
    for (const e of calls) {
      const info = obs.endpoints.find((ep) => ep.id === e.routeId);
      if (!info?.role) continue;
      const seen = byRoute.get(info.id);
      if (seen) seen.count += 1;
      else byRoute.set(info.id, { role: info.role, method: info.method, path: info.path, count: 1 });
    }
    const minimal = minimalRoles([...byRoute.values()].map((r) => r.role));
    const needed = effectiveRoles(minimal);
    const assigned = obs.apiUser.roles.filter(isRole);
    // ApiUser is the base level "required for authentication": never counted as excess.
    const excess = [...effectiveRoles(assigned)].filter((r) => !needed.has(r) && r !== 'ApiUser');
    const excessAssigned = assigned.filter((r) => [...effectiveRoles([r])].some((x) => excess.includes(x)));
    const evidence = [
      { kind: 'note' as const, text: `assigned: ${assigned.join(', ') || '(none)'}` },
      { kind: 'note' as const, text: `minimal role set for the calls made: ${minimal.join(', ')}` },
      ...[...byRoute.values()].map((r) => ({ kind: 'note' as const, text: `${r.method} ${r.path} (×${r.count}) requires ${r.role}` })),
    ];
    if (excess.length === 0) {
      const granted = effectiveRoles(assigned);
      const missing = minimal.filter((r) => !granted.has(r));
      const note = missing.length ? ` (the calls also needed ${missing.join(', ')}, which is not assigned: they were refused with 403)` : '';
      return { verdict: 'pass', summary: `The assigned roles (${assigned.join(', ')}) grant nothing beyond what the calls made require${note}.`, evidence };
    }
    return {
      verdict: 'fail',
      summary: `${excessAssigned.join(', ')} grant(s) more than the calls need; assign exactly: ${minimal.join(', ')}.`,
      evidence,
    };
  },
});
