import type { Evidence } from '../../reports/model.ts';
import { defineCheck, inconclusive, phase, phaseMissing, requestEvidence } from './check.ts';
import { attemptsOf, round, userTraffic } from './error-traffic.ts';

const MAX_ATTEMPTS = 10;
const HANG_LIMIT_MS = 120_000;

export default defineCheck({
  id: 'errors.network-retry-bounded',
  title: 'Network errors and timeouts are retried, with a limit',
  section: 'Error handling',
  required: true,
  phases: ['flaky-network'],
  remediation:
    'Retry connection resets, 502/503/504 and timeouts with backoff, a bounded number of times (for example 3–5), and give every request a timeout so a response that never comes is abandoned.',
  judge(obs) {
    const p = phase(obs, 'flaky-network');
    if (!p) return phaseMissing('flaky-network', p);
    const traffic = userTraffic(obs, p.startMono);
    const faulted = traffic.filter((e) => e.fault && /^(reset|status 50[234]|hang)$/.test(e.fault.kind) && e.mono <= p.endMono);
    if (faulted.length === 0) return inconclusive('The integration made no call during the network-fault phase.');
    const evidence: Evidence[] = [];
    const problems: string[] = [];
    // The deciding numbers, for the summary of a pass.
    let retried = 'Resets and 5xx were retried';
    let abandoned = '';

    const transient = faulted.filter((e) => e.fault!.kind !== 'hang');
    const first = transient[0];
    if (first) {
      const attempts = attemptsOf(traffic, first);
      evidence.push({ kind: 'metric', name: `attempts of ${first.method} ${first.path}`, value: attempts.length, limit: MAX_ATTEMPTS });
      evidence.push(...attempts.slice(0, 6).map((e) => requestEvidence(obs, e, e.fault ? e.fault.kind : undefined)));
      retried += ` (${attempts.length} attempts of ${first.method} ${first.path}, at most ${MAX_ATTEMPTS})`;
      if (attempts.length < 2) problems.push(`${first.method} ${first.path} failed with ${first.fault!.kind} and was not retried`);
      if (attempts.length > MAX_ATTEMPTS) problems.push(`${first.method} ${first.path} was attempted ${attempts.length} times (at most ${MAX_ATTEMPTS})`);
    }

    const hang = faulted.find((e) => e.fault!.kind === 'hang');
    const runEnd = Math.max(...obs.phases.map((x) => x.endMono));
    if (!hang && problems.length === 0) {
      return inconclusive('The phase ended before the integration reached the hanging response, so its timeout could not be observed.', evidence);
    }
    if (hang) {
      // Only the client's own giving up counts: the socket also closes when golive stops the integration.
      const gaveUpAt = hang.aborted && hang.abortedAtMono !== null && hang.abortedAtMono < runEnd ? hang.abortedAtMono : null;
      if (gaveUpAt !== null) {
        const seconds = round((gaveUpAt - hang.mono) / 1000, 1);
        evidence.push({ kind: 'metric', name: 'hanging request abandoned after', value: seconds, unit: 's', limit: HANG_LIMIT_MS / 1000 });
        abandoned = ` after ${seconds} s (at most ${HANG_LIMIT_MS / 1000} s)`;
        if (gaveUpAt - hang.mono > HANG_LIMIT_MS) problems.push(`the hanging request was abandoned only after ${seconds} s`);
      } else if (runEnd - hang.mono < HANG_LIMIT_MS) {
        if (problems.length === 0) {
          return inconclusive(
            `The run ended ${round((runEnd - hang.mono) / 1000, 1)} s after the hanging request was sent and the client had not given up yet; a full-length run waits longer. Give every request a timeout well under 120 s.`,
            evidence,
          );
        }
      } else {
        problems.push('the hanging request was never abandoned by the client');
      }
    }
    if (problems.length > 0) return { verdict: 'fail', summary: `${problems.join('; ')}.`, evidence };
    return { verdict: 'pass', summary: `${retried}, and the hanging request was abandoned by the client${abandoned}.`, evidence };
  },
});
