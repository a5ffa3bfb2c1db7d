import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import check from './data.no-deprecated-endpoints.ts';
import { ENDPOINTS, context, journal, observations } from './test/journal.ts';

describe('data.no-deprecated-endpoints', () => {
  it('passes when every call goes to an endpoint the platform maintains', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(3, { from: 2, every: 1, token, endpoint: ENDPOINTS.searchOrders, body: '{"take":20}' });
    j.apiCall({ token, endpoint: ENDPOINTS.searchBusinessCustomers, body: '{"take":20}' });

    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(result.verdict).toBe('pass');
    expect(result.summary).toBe('4 API call(s) to 2 endpoint(s), none of them deprecated.');
  });

  it('warns, as an advisory check, on a call to a deprecated endpoint, naming it and what replaces it (case 89)', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(2, { from: 2, every: 1, token, endpoint: ENDPOINTS.searchOrders, body: '{"take":20}' });
    const old = j.apiCalls(2, { from: 5, every: 1, token, endpoint: ENDPOINTS.searchBusinessCustomersByGet, query: { take: '20' } });

    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(result.verdict).toBe('warn');
    expect(result.summary).toBe(
      '2 of 4 API call(s) went to 1 deprecated endpoint(s): GET /api/BusinessCustomers/Search (2 call(s); use POST /api/BusinessCustomers/Search).',
    );
    expect(result.evidence).toEqual([
      expect.objectContaining({ kind: 'request', seq: old[0]!.seq, method: 'GET', note: 'deprecated: use POST /api/BusinessCustomers/Search (2 calls)' }),
    ]);
    expect(result.remediation).toMatch(/^Call the endpoint the platform documents in place of the deprecated one/);
  });

  it('is inconclusive when the integration called no API endpoint', () => {
    const j = journal();
    j.tokenRequest({ at: 1 });
    expect(check.judge(observations({ journal: j.entries })).verdict).toBe('inconclusive');
  });

  it('does not apply to a platform that documents no deprecated endpoint', () => {
    const j = journal();
    j.apiCall({ token: j.tokenRequest({ at: 1 }), endpoint: ENDPOINTS.getOrder });
    const endpoints = Object.values(ENDPOINTS).map(({ deprecated: _deprecated, ...rest }) => rest);
    expect(check.judge(observations({ journal: j.entries, endpoints })).verdict).toBe('not-applicable');
  });
});
