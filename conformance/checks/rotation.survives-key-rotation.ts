import { defineCheck, firstOf, inconclusive, isApiCall, phase, phaseMissing, requestEvidence } from './check.ts';

/** Requests with the old key allowed once its window closed: one already under way. */
const LIMIT = 1;

export default defineCheck({
  id: 'rotation.survives-key-rotation',
  title: 'A rotated key is picked up within its overlap window, and the old one is not used after it',
  section: 'Beyond the Omnium checklist',
  required: true,
  phases: ['secret-rotation'],
  appliesTo: ({ facts }) =>
    facts.rotatesWithOverlap || 'The platform refuses a rotated key at once (no overlap window), so there is no window to switch keys in: rotation.survives-secret-rotation judges the rotation.',
  remediation:
    'Read the key from where the secret store puts it (under golive: the key file the environment names) before each request, or at least every few minutes, not once at start-up: the platform keeps the old key working only for its overlap window, and an integration that switches only when the old key is refused fails every request after the window closes until it notices.',
  judge(obs) {
    const p = phase(obs, 'secret-rotation');
    if (!p) return phaseMissing('secret-rotation', p);
    const overlapMs = p.params.overlapMs ?? 0;
    if (overlapMs <= 0) return inconclusive('The secret-rotation phase ran without an overlap window, so switching keys inside one could not be observed.');
    const fresh = obs.rotatedClient;
    if (fresh === null) return inconclusive('The secret-rotation phase ran, but no new key was made, so there was no rotation to follow.');
    // The rotation is the phase's last action, so its window closes `overlapMs` after the phase began.
    const closes = p.startMono + overlapMs;
    if (p.endMono < closes) return phaseMissing('secret-rotation', { ...p, completed: false });
    const calls = obs.journal.filter((e) => e.environment === 'test' && e.mono >= p.startMono && e.mono <= p.endMono && isApiCall(e));
    const old = calls.filter((e) => e.apiUser === obs.clients.test);
    const withNew = calls.filter((e) => e.apiUser === fresh);
    if (old.length === 0 && withNew.length === 0) return inconclusive('No API call was made after the key was rotated (neither with the old key nor with the new one).');
    const windowSeconds = overlapMs / 1000;
    const switched = withNew.find((e) => e.mono < closes && e.status > 0 && e.status < 400);
    const late = old.filter((e) => e.mono >= closes);
    const metrics = [
      { kind: 'metric' as const, name: `requests with the old key after its ${windowSeconds} s window closed`, value: late.length, limit: LIMIT },
    ];
    if (late.length > LIMIT) {
      return {
        verdict: 'fail',
        summary: `It kept using the old key after its overlap window closed: ${late.length} request(s) with it, ${late.filter((e) => e.status === 401).length} of them refused${switched ? ', though it had used the new key inside the window' : ''}.`,
        evidence: [...metrics, ...firstOf(late.map((e) => requestEvidence(obs, e, 'old key, after the window closed')), 5)],
      };
    }
    if (!switched) {
      const after = withNew.find((e) => e.status > 0 && e.status < 400);
      return {
        verdict: 'fail',
        summary: after
          ? `It did not switch to the new key within the ${windowSeconds} s overlap window: it took it only once the old key was refused, ${Math.round((after.mono - closes) / 100) / 10} s after the window closed.`
          : `It never switched to the new key: no call with it worked in the ${Math.round((p.endMono - p.startMono) / 100) / 10} s after the rotation.`,
        evidence: [...metrics, ...(after ? [requestEvidence(obs, after, 'first call that worked with the new key')] : []), ...firstOf(old.map((e) => requestEvidence(obs, e, 'old key')), 3)],
      };
    }
    return {
      verdict: 'pass',
      summary: `It switched to the new key ${Math.round((switched.mono - p.startMono) / 100) / 10} s into the ${windowSeconds} s overlap window and did not use the old key after the window closed.`,
      evidence: [...metrics, requestEvidence(obs, switched, 'first call that worked with the new key')],
    };
  },
});
