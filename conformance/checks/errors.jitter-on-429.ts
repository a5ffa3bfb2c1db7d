import { defineCheck, inconclusive, phaseMissing } from './check.ts';
import { attemptsOf, gaps, phasesNamed, round, spread, userTraffic } from './error-traffic.ts';

const SAME_WITHIN = 0.05;

export default defineCheck({
  id: 'errors.jitter-on-429',
  title: 'Backoff has jitter',
  section: 'Error handling',
  required: false,
  remediation:
    'Add random jitter to every backoff wait (for example "full" or "equal" jitter), so that many clients, or many workers of one client, do not retry in lockstep after a 429.',
  judge(obs) {
    const storms = phasesNamed(obs, 'rate-limit-retry-after', 'rate-limit-no-retry-after');
    if (storms.length === 0) return phaseMissing('rate-limit-retry-after', undefined);
    const traffic = userTraffic(obs, storms[0]!.startMono);
    const series: { name: string; values: number[] }[] = [];
    for (const p of storms) {
      const first = traffic.find((e) => e.status === 429 && e.fault && e.mono >= p.startMono && e.mono <= p.endMono);
      if (!first) continue;
      const waits = gaps(attemptsOf(traffic, first));
      if (p.name === 'rate-limit-retry-after') series.push({ name: 'waits after Retry-After', values: waits });
      else series.push({ name: 'growth factors without Retry-After', values: waits.slice(1).map((g, i) => g / Math.max(1, waits[i]!)) });
    }
    const judged = series.filter((s) => s.values.length >= 2);
    if (judged.length === 0) return inconclusive('Too few retries during the 429 phases to tell whether the waits vary.');
    const evidence = judged.map((s) => ({ kind: 'note' as const, text: `${s.name}: ${s.values.map((v) => round(v >= 100 ? v / 1000 : v)).join(', ')} (spread ${round(spread(s.values) * 100, 1)} %)` }));
    if (judged.some((s) => spread(s.values) > SAME_WITHIN)) {
      return { verdict: 'pass', summary: 'The backoff waits vary from retry to retry: retries are not synchronised.', evidence };
    }
    return { verdict: 'fail', summary: 'The backoff waits are identical within 5 %: the retries have no jitter, so many clients would retry in lockstep.', evidence };
  },
});
