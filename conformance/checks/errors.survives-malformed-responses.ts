import type { Evidence } from '../../reports/model.ts';
import type { JournalEntry } from '../../mock-server/index.ts';
import { defineCheck, inconclusive, phase, phaseMissing, phaseRun, requestEvidence, secondsAt } from './check.ts';
import { userTraffic } from './error-traffic.ts';

/** The answers the phase breaks or reshapes, in words (a large body's words name its size: `served`). */
const BROKEN = {
  'malformed-json': 'a body that is not JSON',
  truncated: 'a body cut short of its Content-Length',
  empty: 'a 200 with an empty body',
  'extra-fields': 'fields the API does not document',
  'wrong-types': 'values of the wrong types',
  html: 'an HTML error page declared text/html',
  'large-body': 'a large body',
} as const;
type Broken = keyof typeof BROKEN;
// A reshaping fault with nothing to reshape (`wrong-types unchanged`: an answer with no JSON) served nothing odd.
const isBroken = (e: JournalEntry): e is JournalEntry & { fault: { kind: Broken } } => e.fault !== null && Object.hasOwn(BROKEN, e.fault.kind);

const mb = (bytes: number) => `${Math.round(bytes / 100_000) / 10} MB`;

/**
 * What was served, in words: a large body says its size, and whether the client closed the
 * connection before its end (a capped read) or the whole of it was written to the connection.
 */
function served(e: JournalEntry & { fault: { kind: Broken } }, bodyBytes: number | undefined): string {
  if (e.fault.kind !== 'large-body') return BROKEN[e.fault.kind];
  const size = bodyBytes === undefined ? 'a large body' : `a body of ${mb(bodyBytes)} (whitespace before the JSON)`;
  return e.aborted ? `${size}: the client closed the connection after ${mb(e.responseBytes)} had been sent (a capped read)` : `${size}: all ${mb(e.responseBytes)} sent`;
}

/** An exception's own line: `SyntaxError: Unexpected token…`, `requests.exceptions.ChunkedEncodingError: …`. */
const EXCEPTION_LINE = /^\s*[\w.]*(Error|Exception)\b[^:]*:/;
/** How long after the phase a line may still come (a process prints its crash as it ends). */
const LOG_GRACE_MS = 2_000;
/** What a client that trips over an answer it cannot read tends to print. */
const PARSE_LINE = /\b(json|parse|syntax ?error|unexpected (token|end)|decode|truncat|empty (body|response)|incomplete|premature)\b/i;

export default defineCheck({
  id: 'errors.survives-malformed-responses',
  title: 'An answer it cannot read or did not expect (not JSON, cut short, empty, wrong types, extra fields, HTML, a large body) does not end the integration',
  section: 'Error handling',
  required: false,
  phases: ['malformed-responses'],
  remediation:
    'Treat an answer you cannot parse or that is not the documented shape (wrong types, text/html where JSON was due) as a failed call: catch the parse error (and a body cut short or empty), log it with the request, retry later with the same bounded backoff as a 5xx, and never let it end the process or store half a record. Ignore fields you do not know, and cap how much of a body you read.',
  judge(obs) {
    const p = phase(obs, 'malformed-responses');
    if (!p) return phaseMissing('malformed-responses', p);
    const traffic = userTraffic(obs, p, p.startMono, p.endMono);
    const broken = traffic.filter(isBroken);
    if (broken.length === 0) return inconclusive('The integration made no call while golive was breaking answers, so how it copes with one it cannot read or did not expect was not seen.');
    const last = broken.at(-1)!;
    const worked = traffic.find((e) => e.seq > last.seq && e.fault === null && e.status > 0 && e.status < 400);
    const bodyBytes = p.params.malformedBodyBytes;
    const kinds = [...new Set(broken.map((e) => served(e, bodyBytes)))].join('; ');
    const evidence: Evidence[] = broken.map((e) => requestEvidence(obs, e, served(e, bodyBytes)));
    // What it printed about it: the exception's own line (`SyntaxError: …`) before any other that mentions parsing.
    const printed = obs.logs.filter((l) => l.run === phaseRun(p) && l.mono >= broken[0]!.mono && l.mono <= p.endMono + LOG_GRACE_MS);
    const line = printed.find((l) => EXCEPTION_LINE.test(l.text)) ?? printed.find((l) => PARSE_LINE.test(l.text));
    if (line) evidence.push({ kind: 'log', stream: line.stream, at: secondsAt(obs, line.mono), text: line.text, note: 'what it said' });
    if (!worked) {
      const seconds = Math.round((p.endMono - last.mono) / 100) / 10;
      // The phase is cut short only when the integration ended. Alive but silent is no failure:
      // a pause after failed calls (a circuit breaker) is what a careful client does.
      if (!p.completed) {
        return {
          verdict: 'fail',
          summary: `After ${broken.length} odd answer(s) (${kinds}), the integration ended${line ? ` (it printed "${line.text.slice(0, 120)}")` : ''}.`,
          evidence,
        };
      }
      return {
        verdict: 'pass',
        summary: `It was still running ${seconds} s after the last of ${broken.length} odd answer(s) (${kinds}), when the phase ended; it made no call that worked meanwhile (a pause after failed calls is fine), so its recovery was not seen.`,
        evidence,
      };
    }
    evidence.push(requestEvidence(obs, worked, 'next call that worked'));
    return {
      verdict: 'pass',
      summary: `It carried on after ${broken.length} odd answer(s) (${kinds}): its next call that worked came ${Math.round((worked.mono - last.mono) / 100) / 10} s after the last.`,
      evidence,
    };
  },
});

