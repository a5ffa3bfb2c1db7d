import type { Evidence } from '../../reports/model.ts';
import { defineCheck, firstOf, inconclusive, secondsAt } from './check.ts';
import type { Observations, UnknownEventStep } from './observations.ts';
import { changeEvidence, deliveryEvidence, hasWebhookEndpoint, isFinding, isSuccess, outcome, recordsOf, summarizeChanges, webhookPhase } from './webhook-traffic.ts';

/** An exception's own line: `TypeError: Cannot read properties of undefined`, `KeyError: 'trigger'`. */
const EXCEPTION_LINE = /^\s*[\w.]*(Error|Exception)\b[^:]*:/;
/** How long after the exit a line may still come (a process prints its crash as it ends). */
const LOG_GRACE_MS = 2_000;

/** `exited with code 1`, `was killed by SIGSEGV`. */
const howItEnded = (exit: NonNullable<UnknownEventStep['exit']>): string => (exit.signal ? `was ended by ${exit.signal}` : `exited with code ${exit.code}`);

/** What the test run printed between the delivery and its exit, the exception's own line first. */
function crashLine(obs: Observations, u: UnknownEventStep): Evidence | null {
  const end = (u.exit?.mono ?? u.sentMono) + LOG_GRACE_MS;
  const printed = obs.logs.filter((l) => l.run === 'test' && l.mono >= u.sentMono && l.mono <= end);
  const line = printed.find((l) => EXCEPTION_LINE.test(l.text)) ?? printed.filter((l) => l.stream === 'stderr').at(-1);
  return line ? { kind: 'log', stream: line.stream, at: secondsAt(obs, line.mono), text: line.text, note: 'what it printed as it ended' } : null;
}

export default defineCheck({
  id: 'webhooks.ignores-unknown-events',
  title: 'An event of a type the integration does not know is answered 2xx and ignored',
  section: 'Webhooks',
  required: false,
  phases: ['webhooks'],
  appliesTo: hasWebhookEndpoint,
  remediation:
    'Platforms add event types without notice, and a subscription may send more than you handle. Route each delivery on the type the platform gives it (an operation id or class in the body, a trigger in a header); for a type you do not handle, answer 2xx and do nothing, logging it once at info level. Never answer it 4xx/5xx (the platform sends it again and may pause the subscription), never treat it as a type you know, and never let it end the process.',
  judge(obs) {
    const w = webhookPhase(obs);
    if (isFinding(w)) return w;
    const u = w.unknownEvent;
    if (!u) return inconclusive(`The event of an unknown type was not sent${w.problem ? `: ${w.problem}` : ' (the webhook phase ended first)'}.`);
    const records = recordsOf(w, u.seqs);
    // An https:// attempt answered in plain HTTP is webhooks.https's finding; what counts here is how its http:// fallback was answered.
    const sent = records.find((r) => !(r.plainHttpOnly && !r.fallback));
    if (!sent) {
      return inconclusive(
        `The event of an unknown type (${u.label}) did not reach the endpoint${records[0] ? ` (${outcome(records[0])})` : ''}.`,
        records.slice(0, 1).map((r) => deliveryEvidence(obs, r)),
      );
    }
    const what = `An event of a type the platform does not define (${u.label}, id ${u.eventId}), correctly authenticated,`;
    const evidence: Evidence[] = [deliveryEvidence(obs, sent, `an event of a type the platform does not define (${u.label})`)];
    const answered = sent.status !== null ? `was answered ${sent.status}` : `got ${outcome(sent)}`;
    const wrong: string[] = [];
    // A refusal, a timeout, a dropped connection: the platform takes each as a failed delivery and sends it again.
    if (!isSuccess(sent)) wrong.push(`${answered}, not 2xx: the platform takes that for a failed delivery and sends it again`);
    else wrong.push(answered);
    if (u.exit) {
      wrong.push(`the integration ${howItEnded(u.exit)}, ${Math.max(0, Math.round((u.exit.mono - sent.startMono) / 100) / 10)} s after it was sent`);
      evidence.push({ kind: 'note', text: `the integration ${howItEnded(u.exit)} at ${secondsAt(obs, u.exit.mono)} s` });
      const line = crashLine(obs, u);
      if (line) evidence.push(line);
    }
    const where = w.probe ? "the mock's data and the side-effect probe's output" : "the mock's data";
    if (u.changes.length > 0) {
      // Work still going on from the steps before is not this event's effect.
      if (isSuccess(sent) && !u.exit && w.duplicates && !w.duplicates.settled) {
        return inconclusive(`The integration was still writing after the duplicates when the event of an unknown type was sent, so the changes that followed cannot be told apart.`, evidence);
      }
      wrong.push(`it changed ${where}, as if it were an event the integration handles: ${summarizeChanges(u.changes)}`);
      evidence.push(...firstOf(u.changes.map((c) => changeEvidence(c, 'changed after the event of an unknown type')), 10));
    }
    if (!isSuccess(sent) || u.exit || u.changes.length > 0) return { verdict: 'fail', summary: `${what} ${wrong.join('; ')}.`, evidence };
    if (u.probeError) return inconclusive(`${u.probeError}, so effects outside the mock could not be compared.`, evidence);
    return {
      verdict: 'pass',
      summary:
        `${what} ${answered} in ${Math.round(sent.latencyMs)} ms; the integration kept running and left ${where} as it was.` +
        (u.settled ? '' : ' golive stopped watching before the integration had been quiet for long.'),
      evidence,
    };
  },
});
