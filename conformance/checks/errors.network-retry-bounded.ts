import type { Evidence } from '../../reports/model.ts';
import { defineCheck, inconclusive, phase, phaseMissing, requestEvidence } from './check.ts';
import { MAX_NETWORK_ATTEMPTS } from '../runner/plan.ts';
import { answeredAt, attemptsOf, firstTry, gaps, gaveUp, round, userTraffic } from './error-traffic.ts';

const MAX_ATTEMPTS = MAX_NETWORK_ATTEMPTS;
const HANG_LIMIT_MS = 120_000;
/** The least quiet time after its last attempt that counts as giving a failing request up (the phase's own is in its params). */
const QUIET_MS = 2_000;
/** With this many retries or more, the waits must grow: the last at least `GROWTH` times the first (case 78: backoff). */
const GROWTH_FROM_RETRIES = 3;
const GROWTH = 1.5;
/**
 * Waits this long are backing off already, grown or not: a backoff capped near its first step
 * (or drawn with jitter under a cap: 1.38 s, then 1.55 s, seen from the Omneo example) is no retry storm.
 */
const BACKED_OFF_MS = 1_000;
/** Waits shorter than this compare as this long: timer and scheduling noise, not a backoff. */
const NOISE_MS = 100;

export default defineCheck({
  id: 'errors.network-retry-bounded',
  title: 'Network errors and timeouts are retried, with a limit',
  section: 'Error handling',
  required: true,
  phases: ['flaky-network'],
  remediation:
    'Retry connection resets, 502/503/504 and timeouts with exponential backoff (each wait longer than the last, with jitter), a bounded number of times (for example 3–5), and give every request a timeout so a response that never comes is abandoned.',
  judge(obs) {
    const p = phase(obs, 'flaky-network');
    if (!p) return phaseMissing('flaky-network', p);
    // The phase's window only: a fresh instance of the integration starts after it.
    const traffic = userTraffic(obs, p, p.startMono, p.endMono);
    const faulted = traffic.filter((e) => e.fault && /^(reset|status 50[0234]|hang)$/.test(e.fault.kind));
    if (faulted.length === 0) return inconclusive('The integration made no call during the network-fault phase, so golive could not provoke a network error.');
    const evidence: Evidence[] = [];
    const problems: string[] = [];
    // The deciding numbers, for the summary of a pass.
    let retried = 'Resets and 5xx were retried';
    let abandoned = '';

    // The first failing request keeps failing on every attempt (the mock pins it) until the client
    // gives it up; a poller may send it again on its next round, starting its backoff over.
    const first = faulted.find((e) => e.fault!.kind !== 'hang');
    if (first) {
      const { attempts, restarted } = firstTry(attemptsOf(traffic, first));
      const last = attempts.at(-1)!;
      const given = restarted || gaveUp(traffic, attempts, p.endMono, p.params.networkQuietMs ?? QUIET_MS);
      const what = `${first.method} ${first.path}`;
      evidence.push({ kind: 'metric', name: `attempts of ${what}`, value: attempts.length, limit: MAX_ATTEMPTS });
      evidence.push(...attempts.slice(0, 6).map((e) => requestEvidence(obs, e, e.fault ? e.fault.kind : undefined)));
      const waits = gaps(attempts);
      if (waits.length) evidence.push({ kind: 'note', text: `waits between attempts: ${waits.map((g) => `${round(g / 1000)} s`).join(', ')}` });
      if (restarted) evidence.push({ kind: 'note', text: `then the client sent ${what} again with its waits starting over: a new try (a poll), not one more retry` });
      retried += ` (${attempts.length} attempts of ${what}, at most ${MAX_ATTEMPTS})`;
      if (attempts.length > MAX_ATTEMPTS) {
        problems.push(`${what} was attempted ${attempts.length} times while it kept failing (at most ${MAX_ATTEMPTS}): the retries have no limit`);
      } else if (!given) {
        return inconclusive(
          `${what} was still being retried (${attempts.length} attempts, the last ${round((p.endMono - answeredAt(last)) / 1000, 1)} s before the phase's time ran out), so whether the retries stop could not be seen. Retry with backoff a bounded number of times (3–5) so that a failing request is given up within the phase (${round((p.endMono - p.startMono) / 1000)} s).`,
          evidence,
        );
      } else if (attempts.length < 2) {
        problems.push(`${what} failed with ${first.fault!.kind} and was given up at once, without a retry`);
      } else {
        // Backoff (security-tests.md case 78): ten retries 200 ms apart are a retry storm, however
        // bounded. The wait after a hanging attempt is left out: its socket may close (its moment in
        // the journal) only after the client timed out and moved on, so it says nothing of the backoff.
        const backoff = waits.filter((_, i) => attempts[i]!.fault?.kind !== 'hang');
        const [firstWait, lastWait] = [Math.max(NOISE_MS, backoff[0] ?? 0), Math.max(NOISE_MS, backoff.at(-1) ?? 0)];
        if (backoff.length >= GROWTH_FROM_RETRIES && lastWait < GROWTH * firstWait && lastWait < BACKED_OFF_MS) {
          problems.push(
            `${what} was retried ${waits.length} times with waits that did not grow (the first ${round(backoff[0]! / 1000)} s, the last ${round(backoff.at(-1)! / 1000)} s; at least ${GROWTH} times the first expected): retry with exponential backoff`,
          );
        }
      }
      if (given && last.fault?.kind === 'status 500') {
        evidence.push({ kind: 'note', text: 'the request was given up at its 500: a server error a retry may not fix, so retrying it is not required (if it is retried, it counts towards the limit)' });
      }
    }

    const hang = faulted.find((e) => e.fault!.kind === 'hang');
    if (!hang && problems.length === 0) {
      return inconclusive(
        'The integration made no other call after it gave the failing request up, so the hanging response could not be served and its timeout was not observed (it must keep calling on its own schedule).',
        evidence,
      );
    }
    if (hang) {
      // Only the client's own giving up counts: the socket also closes when golive stops the instance after the phase.
      const gaveUpAt = hang.aborted && hang.abortedAtMono !== null && hang.abortedAtMono <= p.endMono ? hang.abortedAtMono : null;
      if (gaveUpAt !== null) {
        const seconds = round((gaveUpAt - hang.mono) / 1000, 1);
        evidence.push({ kind: 'metric', name: 'hanging request abandoned after', value: seconds, unit: 's', limit: HANG_LIMIT_MS / 1000 });
        abandoned = ` after ${seconds} s (at most ${HANG_LIMIT_MS / 1000} s)`;
        // Whether the rest of its work went on meanwhile (security-tests.md case 82): said, not judged,
        // since a client that works one request at a time may well be right to wait for its timeout.
        const during = traffic.filter((e) => e.seq !== hang.seq && e.mono > hang.mono && e.mono < gaveUpAt).length;
        evidence.push({
          kind: 'note',
          text:
            during > 0
              ? `${during} other call(s) went on while the request hung`
              : `no other call while the request hung (${seconds} s): the client waits on one request at a time, so a response that never comes holds up all its work until the timeout`,
        });
        if (gaveUpAt - hang.mono > HANG_LIMIT_MS) problems.push(`the hanging request was abandoned only after ${seconds} s`);
      } else if (problems.length === 0) {
        return inconclusive(
          `The client had not given up the hanging request ${round((p.endMono - hang.mono) / 1000, 1)} s after sending it, when the phase ended; golive cannot wait the full ${HANG_LIMIT_MS / 1000} s. Give every request a timeout well under 120 s.`,
          evidence,
        );
      }
    }
    if (problems.length > 0) return { verdict: 'fail', summary: `${problems.join('; ')}.`, evidence };
    return { verdict: 'pass', summary: `${retried}, then given up; the hanging request was abandoned by the client${abandoned}.`, evidence };
  },
});
