import { describe, expect, it } from 'vitest';
import { runCheck } from './check.ts';
import check from './data.minimal-payloads.ts';
import { ENDPOINTS, PRODUCTION_CLIENT, context, journal, observations, requestSeqs } from './test/journal.ts';

const SEARCH = '{"take":20,"page":0,"selectedStores":["oslo-online"]}';

describe('data.minimal-payloads', () => {
  it('passes when every body and query carries only fields the endpoint accepts', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(3, { from: 2, every: 1, token, endpoint: ENDPOINTS.searchOrders, body: SEARCH });
    j.apiCall({ token, endpoint: ENDPOINTS.getOrder });

    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(result.verdict).toBe('pass');
    expect(result.summary).toBe('All 3 API call(s) with a body or query parameters sent only fields their endpoint accepts.');
    expect(result.remediation).toBe('');
  });

  it('warns, as an advisory check, when a search carries a whole customer record where it takes an id, naming the fields and never their values', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    const body = '{"take":20,"customer":{"customerId":"C-1","email":"kari@example.com"}}';
    const sent = j.apiCalls(2, { from: 2, every: 1, token, endpoint: ENDPOINTS.searchOrders, body, unaccepted: ['body.customer'] });
    j.apiCall({ token, endpoint: ENDPOINTS.searchOrders, body: SEARCH });
    const debug = j.apiCall({ token, endpoint: ENDPOINTS.getOrder, query: { debug: 'true' }, unaccepted: ['query.debug'] });

    const finding = check.judge(observations({ journal: j.entries }));
    const result = runCheck(check, observations({ journal: j.entries }), context());

    expect(finding.verdict).toBe('fail');
    expect(result.verdict).toBe('warn');
    expect(result.summary).toBe('3 of 4 API call(s) with a body or query parameters sent fields their endpoint does not accept: body.customer, query.debug.');
    expect(result.evidence.filter((e) => e.kind === 'note').map((e) => (e.kind === 'note' ? e.text : ''))).toEqual([
      `POST ${ENDPOINTS.searchOrders.path} (×2): body.customer`,
      `GET ${ENDPOINTS.getOrder.path} (×1): query.debug`,
    ]);
    expect(requestSeqs(result.evidence)).toEqual([...sent.map((e) => e.seq), debug.seq]);
    expect(result.evidence[1]).toMatchObject({ kind: 'request', note: 'not accepted: body.customer' });
    expect(JSON.stringify(result)).not.toContain('kari');
    expect(result.remediation).toContain('an id where the endpoint takes an id');
  });

  it('leaves a secret sent in the query string to token.not-in-url: it is no data-minimisation finding', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(2, {
      from: 2,
      every: 1,
      token,
      endpoint: ENDPOINTS.getOrder,
      query: { access_token: 'eyJh…Q2x8' },
      secretsInUrl: [{ kind: 'token', where: 'query', param: 'access_token' }],
      unaccepted: ['query.access_token'],
    });

    expect(check.judge(observations({ journal: j.entries })).verdict).toBe('pass');
  });

  it('judges only the test client in the test environment', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCall({ token, endpoint: ENDPOINTS.searchOrders, body: SEARCH });
    const prodToken = j.tokenRequest({ client: PRODUCTION_CLIENT, environment: 'production' });
    j.apiCall({ token: prodToken, endpoint: ENDPOINTS.searchOrders, body: '{"x":1}', unaccepted: ['body.x'] });

    expect(check.judge(observations({ journal: j.entries })).verdict).toBe('pass');
  });

  it('is inconclusive when no call carried a body or a query parameter: there is nothing to judge', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCalls(4, { from: 2, every: 1, token, endpoint: ENDPOINTS.getOrder });

    const finding = check.judge(observations({ journal: j.entries }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe("None of the integration's 4 API call(s) carried a body or a query parameter, so there were no fields to judge (a path with an id is all it sent).");
  });

  it('does not judge calls to an endpoint that declares no request schema', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCall({ token, endpoint: ENDPOINTS.searchOrders, body: SEARCH, unaccepted: null });

    expect(check.judge(observations({ journal: j.entries }))).toMatchObject({
      verdict: 'inconclusive',
      summary: 'The platform declares no request schema for the 1 endpoint(s) called with a body or query parameters, so what they accept is unknown.',
    });
  });

  it('is inconclusive when the integration called no API endpoint', () => {
    const j = journal();
    j.tokenRequest({ at: 1 });

    expect(check.judge(observations({ journal: j.entries })).summary).toBe(
      'The integration called no API endpoint, so what its requests carry could not be judged.',
    );
  });
});
