import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { renderJunit } from './junit.ts';
import { TRICKY_SUMMARY, reportFixture } from './test/report-fixture.ts';

interface Case {
  '@_classname': string;
  '@_name': string;
  failure?: { '@_message': string; '@_type': string; '#text': string };
  skipped?: { '@_message': string };
  'system-out'?: string;
}

function parse(xml: string) {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => name === 'testcase' || name === 'property' || name === 'testsuite',
  });
  const doc = parser.parse(xml) as { testsuites: { testsuite: Array<Record<string, string> & { testcase: Case[]; 'system-out'?: string }> } };
  const suites = doc.testsuites.testsuite;
  const suite = suites[0]!;
  const byId = (id: string): Case => suite.testcase.find((c) => c['@_name'].startsWith(`${id}: `))!;
  return { suites, suite, byId };
}

describe('renderJunit', () => {
  const xml = renderJunit(reportFixture());

  it('writes well-formed XML 1.0 even when a summary holds a control character', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    // No C0 control other than tab, newline and carriage return survives.
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  it('has one testsuite golive with the counts: failures are the checks that block certification', () => {
    const { suites, suite } = parse(xml);
    expect(suites).toHaveLength(1);
    expect(suite).toMatchObject({
      '@_name': 'golive',
      '@_tests': '8',
      '@_failures': '4',
      '@_errors': '0',
      '@_skipped': '2',
      '@_time': '84.2',
      '@_timestamp': '2026-11-23T10:00:00.000Z',
    });
    expect(suite.testcase).toHaveLength(8);
  });

  it('names each testcase "<id>: <title>" with its section as classname', () => {
    const { byId } = parse(xml);
    expect(byId('token.cached-and-reused')).toMatchObject({ '@_classname': 'Token handling', '@_name': 'token.cached-and-reused: A token is requested once and reused' });
    expect(byId('webhooks.idempotent')['@_classname']).toBe('Webhooks');
  });

  it('gives a fail a failure whose text carries the evidence, one line each, and the fix', () => {
    const failure = parse(xml).byId('webhooks.idempotent').failure!;
    expect(failure['@_type']).toBe('fail');
    expect(failure['@_message']).toBe('a duplicate delivery reserved the inventory again (1 → 4)');
    const lines = failure['#text'].split('\n');
    expect(lines).toContain('- delivery #4 at 9.1 s: duplicate of event 1e2c…9a0f, attempt 2, auth Bearer whk_…zzzz → 200 in 3 ms');
    expect(lines).toContain('- delivery #5 at 19.4 s: retry of event 1e2c…9a0f, attempt 3, no auth header → no answer (timeout) in 10000 ms (after a simulated timeout)');
    expect(lines).toContain('- inventory SKU-1@oslo-online reservedInventory: 1 → 4 (changed by a duplicate)');
    expect(lines).toContain('- the side-effect probe printed two rows');
    expect(lines.at(-1)).toBe('Fix: Remember the event ids you have handled and ignore a repeat.');
    const request = parse(xml).byId('token.cached-and-reused').failure!['#text'];
    expect(request.split('\n')).toContain('- #12 at 3.4 s POST /api/token → 200 (second token)');
    expect(request.split('\n')).toContain('- #13 at 3.5 s GET /api/Orders/GetOrders?pageSize=50 → 200 [production]');
  });

  it('keeps XML-special characters as they were and replaces the control character', () => {
    const failure = parse(xml).byId('token.not-in-url').failure!;
    expect(failure['@_message']).toBe(TRICKY_SUMMARY.replace('\u001b', '\uFFFD'));
    expect(failure['#text']).toContain('- stderr at 5.1 s: GET /api/Orders?access_token=eyJh…Q2x8 <done>');
    expect(failure['#text']).toContain('- src/client.js:42: builds ?access_token=');
  });

  it('fails a required inconclusive check, and skips an advisory one', () => {
    const { byId } = parse(xml);
    expect(byId('errors.no-retry-on-403').failure).toMatchObject({ '@_type': 'inconclusive', '@_message': 'the integration exited before the 403 phase' });
    expect(byId('credentials.store-market-scoping').failure).toBeUndefined();
    expect(byId('credentials.store-market-scoping').skipped).toEqual({ '@_message': 'inconclusive: no store was touched' });
  });

  it('passes a warning with its reason in system-out, skips not-applicable, and leaves a pass bare', () => {
    const { byId } = parse(xml);
    const warn = byId('errors.jitter-on-429');
    expect(warn.failure).toBeUndefined();
    expect(warn['system-out']).toContain('warn: retry gaps were equal within 1 % in both storms');
    expect(warn['system-out']).toContain('- gap spread: 0.4 % (limit 5 %)');
    expect(byId('tenancy.token-per-tenant').skipped).toEqual({ '@_message': 'one tenant configured' });
    const pass = byId('token.tls-verified');
    expect([pass.failure, pass.skipped, pass['system-out']]).toEqual([undefined, undefined, undefined]);
  });

  it("puts an integration's early exit and its last lines in the suite's output", () => {
    const out = parse(xml).suite['system-out']!;
    expect(out.split('\n')).toEqual(['The integration (test) ended early: exit code 1', '  | starting', '  | Error: boom ``` <x>', '  |     at main (app.mjs:3)']);
  });
});
