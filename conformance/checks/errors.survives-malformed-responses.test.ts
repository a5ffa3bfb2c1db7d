import { describe, expect, it } from 'vitest';
import check from './errors.survives-malformed-responses.ts';
import { runCheck } from './check.ts';
import { ENDPOINTS, PHASES, allPhases, context, faulted, journal, monoAt, observations, requestSeqs } from './test/journal.ts';

const phase = PHASES['malformed-responses'];

/** The odd answers of the phase, in the order the mock plays them. */
const KINDS = ['malformed-json', 'extra-fields', 'truncated', 'large-body', 'empty', 'wrong-types', 'html'];

/** The phase as the mock plays it: the next calls answered as `kinds` say (the large body read in full), then `after` calls (status each). */
function brokenAnswers(after: number[], kinds = KINDS) {
  const j = journal();
  const token = j.tokenRequest({ at: 1 });
  j.apiCalls(3, { from: 2, every: 2, token });
  const broken = kinds.map((kind, i) => {
    const e = faulted(j, kind, { token, at: phase.start + 0.5 + i * 0.5, status: kind === 'truncated' ? 0 : 200, endpoint: ENDPOINTS.getOrder });
    if (kind === 'large-body') e.responseBytes = phase.params.malformedBodyBytes!;
    return e;
  });
  const later = after.map((status, i) => j.apiCall({ token, at: phase.start + 4 + i, status }));
  return { j, broken, later };
}

describe('errors.survives-malformed-responses', () => {
  it('passes an integration whose next call after the answers it could not read worked', () => {
    const { j, broken, later } = brokenAnswers([200]);
    const finding = check.judge(observations({ journal: j.entries, phases: allPhases() }));
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      'It carried on after 7 odd answer(s) (a body that is not JSON; fields the API does not document; a body cut short of its Content-Length; ' +
        'a body of 50 MB (whitespace before the JSON): all 50 MB sent; a 200 with an empty body; values of the wrong types; an HTML error page declared text/html): ' +
        'its next call that worked came 0.5 s after the last.',
    );
    expect(requestSeqs(finding.evidence)).toEqual([...broken.map((e) => e.seq), later[0]!.seq]);
  });

  it('warns (advisory) when the integration ended after them, and quotes what it printed', () => {
    const { j } = brokenAnswers([]);
    const line = { stream: 'stderr' as const, mono: monoAt(phase.start + 0.6), text: 'SyntaxError: Unexpected token < in JSON at position 0', run: 'test' as const };
    // The phase is cut short when the integration exits.
    const phases = allPhases().map((p) => (p.name === 'malformed-responses' ? { ...p, endMono: monoAt(phase.start + 4), completed: false } : p));
    const obs = observations({ journal: j.entries, phases, logs: [line] });
    const finding = check.judge(obs);
    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/^After 7 odd answer\(s\) \(.*\), the integration ended \(it printed "SyntaxError: Unexpected token < in JSON at position 0"\)\.$/);
    expect(finding.evidence).toContainEqual(expect.objectContaining({ kind: 'log', text: line.text }));
    expect(runCheck(check, obs, context()).verdict).toBe('warn');
  });

  it('passes an integration still running at the phase’s end with no call since (a pause after failed calls), and says its recovery was not seen', () => {
    for (const after of [[], [401, 503]]) {
      const { j } = brokenAnswers(after);
      const finding = check.judge(observations({ journal: j.entries, phases: allPhases() }));
      expect(finding.verdict).toBe('pass');
      expect(finding.summary).toMatch(/^It was still running [\d.]+ s after the last of 7 odd answer\(s\) .* so its recovery was not seen\.$/);
    }
  });

  it('says a large body was cut off by the client (a capped read), and passes when its next call worked', () => {
    const { j, broken, later } = brokenAnswers([200], ['large-body']);
    Object.assign(broken[0]!, { aborted: true, responseBytes: 3_400_000 });
    const finding = check.judge(observations({ journal: j.entries, phases: allPhases() }));
    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toContain('(a body of 50 MB (whitespace before the JSON): the client closed the connection after 3.4 MB had been sent (a capped read))');
    expect(requestSeqs(finding.evidence)).toEqual([broken[0]!.seq, later[0]!.seq]);
  });

  it('counts no answer a reshaping fault left unchanged (nothing to reshape) as odd', () => {
    const { j } = brokenAnswers([200], ['wrong-types unchanged', 'extra-fields unchanged', 'large-body unchanged']);
    expect(check.judge(observations({ journal: j.entries, phases: allPhases() })).verdict).toBe('inconclusive');
  });

  it('is inconclusive when no call was made during the phase, and says the phase is missing when it did not run', () => {
    const j = journal();
    j.apiCalls(3, { from: 2, every: 2 });
    expect(check.judge(observations({ journal: j.entries, phases: allPhases() })).verdict).toBe('inconclusive');
    expect(check.judge(observations({ journal: j.entries, phases: allPhases().filter((p) => p.name !== 'malformed-responses') })).verdict).toBe('inconclusive');
  });
});
