import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import check from './rotation.survives-key-rotation.ts';
import { PHASES, ROTATED_CLIENT, context, journal, metric, observations, phaseRecord, requestSeqs } from './test/journal.ts';

// A key rotated with a 15 s overlap window at the start of the secret-rotation phase: the old
// key works until `closes`, then answers 401.
const rotation = PHASES['secret-rotation'];
const OVERLAP_S = 15;
const closes = rotation.start + OVERLAP_S;
const rotated = () => [phaseRecord('steady'), phaseRecord('secret-rotation', { end: rotation.start + 2 * OVERLAP_S, params: { observeWindowMs: 30_000, overlapMs: OVERLAP_S * 1000 } })];

describe('rotation.survives-key-rotation', () => {
  it('passes when the integration re-reads its key file inside the window and never sends the old key after it', () => {
    const j = journal();
    j.apiCalls(3, { from: rotation.start + 0.5, every: 1 });
    const first = j.apiCall({ at: rotation.start + 4, client: ROTATED_CLIENT });
    j.apiCalls(5, { from: rotation.start + 5, every: 4, client: ROTATED_CLIENT });

    const finding = check.judge(observations({ journal: j.entries, phases: rotated() }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('It switched to the new key 4 s into the 15 s overlap window and did not use the old key after the window closed.');
    expect(requestSeqs(finding.evidence)).toEqual([first.seq]);
  });

  it('fails when it keeps sending the old key after the window closed, even after using the new one', () => {
    const j = journal();
    j.apiCall({ at: rotation.start + 2, client: ROTATED_CLIENT });
    const late = j.apiCalls(4, { from: closes + 1, every: 2, status: 401, denied: 'deactivated' });

    const finding = check.judge(observations({ journal: j.entries, phases: rotated() }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('It kept using the old key after its overlap window closed: 4 request(s) with it, 4 of them refused, though it had used the new key inside the window.');
    expect(metric(finding.evidence, 'requests with the old key')).toBe(4);
    expect(requestSeqs(finding.evidence)).toEqual(late.map((e) => e.seq));
  });

  it('fails when it switches only once the old key is refused after the window', () => {
    const j = journal();
    j.apiCalls(5, { from: rotation.start + 1, every: 3 });
    j.apiCall({ at: closes + 0.5, status: 401, denied: 'deactivated' });
    const after = j.apiCall({ at: closes + 0.7, client: ROTATED_CLIENT });

    const finding = check.judge(observations({ journal: j.entries, phases: rotated() }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('It did not switch to the new key within the 15 s overlap window: it took it only once the old key was refused, 0.7 s after the window closed.');
    expect(requestSeqs(finding.evidence)[0]).toBe(after.seq);
  });

  it('fails when it never switches at all, the old key refused once and nothing after', () => {
    const j = journal();
    j.apiCalls(5, { from: rotation.start + 1, every: 3 });
    j.apiCall({ at: closes + 0.5, status: 401, denied: 'deactivated' });

    const finding = check.judge(observations({ journal: j.entries, phases: rotated() }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('It never switched to the new key: no call with it worked in the 30 s after the rotation.');
  });

  it('is inconclusive when no call was made after the rotation, or the phase had no overlap window', () => {
    expect(check.judge(observations({ journal: [], phases: rotated() })).verdict).toBe('inconclusive');
    expect(check.judge(observations({ journal: journal().entries })).summary).toMatch(/without an overlap window/);
  });

  it('applies only where the platform keeps a rotated key working for a window', () => {
    const none = context();
    expect(runCheck(check, observations(), none)).toMatchObject({ verdict: 'not-applicable', summary: expect.stringMatching(/^The platform refuses a rotated key at once/) });
    const windowed = { ...none, facts: { ...none.facts, rotatesWithOverlap: true } };
    expect(runCheck(check, observations({ phases: rotated() }), windowed).verdict).toBe('inconclusive');
  });
});
