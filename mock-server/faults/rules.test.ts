import { beforeEach, describe, expect, it } from 'vitest';
import { GoliveError } from '../../errors.ts';
import { createManualClock } from '../clock.ts';
import {
  compilePath,
  type FaultAction,
  FaultMatcher,
  type FaultRequest,
  mulberry32,
  parseFaultRule,
  redirectLocation,
  retryAfterHeader,
} from './rules.ts';

const E503: FaultAction = { kind: 'status', status: 503 };
const E500: FaultAction = { kind: 'status', status: 500 };

const req = (path: string, extra: Partial<FaultRequest> = {}): FaultRequest => ({
  apiUser: 'alice',
  environment: 'test',
  method: 'GET',
  path,
  ...extra,
});

let clock: ReturnType<typeof createManualClock>;
let faults: FaultMatcher;
beforeEach(() => {
  clock = createManualClock();
  faults = new FaultMatcher({ seed: 42, now: clock.now });
});

/** The ids of the rules hit by a sequence of requests (`-` for none). */
const hits = (requests: FaultRequest[], matcher = faults) => requests.map((r) => matcher.match(r)?.id ?? '-');
const times = (n: number, r: FaultRequest) => Array.from({ length: n }, () => r);

describe('parseFaultRule', () => {
  it('accepts a complete rule and normalises the method to upper case', () => {
    const rule = parseFaultRule({
      id: 'orders-down',
      match: {
        apiUser: 'alice',
        environment: 'production',
        method: 'post',
        path: '/api/Orders/**',
        nth: 2,
        times: 3,
        probability: 0.5,
        from: 0,
        until: 1000,
      },
      action: { kind: 'status', status: 401, retryAfter: { seconds: 3 }, revokeTokens: true },
      note: 'expired credentials',
    });
    expect(rule.match.method).toBe('POST');
    expect(rule.action).toEqual({ kind: 'status', status: 401, retryAfter: { seconds: 3 }, revokeTokens: true });
  });

  it('accepts every fault kind', () => {
    for (const action of [
      { kind: 'status', status: 429, retryAfter: 'absent' },
      { kind: 'status', status: 503, retryAfter: { httpDate: 30 } },
      { kind: 'latency', ms: 1500 },
      { kind: 'reset' },
      { kind: 'empty' },
      { kind: 'truncated' },
      { kind: 'malformed-json' },
      { kind: 'wrong-types' },
      { kind: 'extra-fields' },
      { kind: 'html' },
      { kind: 'large-body', bytes: 50_000_000 },
      { kind: 'hang' },
      { kind: 'redirect', status: 307, location: 'https://127.0.0.1:4443' },
      { kind: 'redirect', status: 302, location: 'http://localhost:8080/moved?x=1' },
      { kind: 'redirect', status: 307, location: 'https://[::1]:4443/' },
      { kind: 'ratelimit', remaining: 0, resetSeconds: 30 },
      { kind: 'ratelimit', remaining: 5, resetSeconds: 0, quota: 100, windowSeconds: 60 },
    ]) {
      expect(parseFaultRule({ match: {}, action }).action).toEqual(action);
    }
  });

  it('takes a missing match as a rule for every request', () => {
    expect(parseFaultRule({ action: { kind: 'reset' } }).match).toEqual({});
  });

  it.each([
    [{ action: { kind: 'ratelimit', remaining: -1, resetSeconds: 30 } }, 'action.remaining: expected a whole number ≥ 0'],
    [{ action: { kind: 'ratelimit', remaining: 0, resetSeconds: 1.5 } }, 'action.resetSeconds: expected a whole number of seconds ≥ 0'],
    [{ match: { probability: 2 }, action: { kind: 'hang' } }, 'match.probability: expected a number from 0 to 1'],
    [{ match: { probability: '0.5' }, action: { kind: 'hang' } }, 'match.probability: expected a number from 0 to 1'],
    [{ match: { nth: 0 }, action: { kind: 'hang' } }, 'match.nth: expected a whole number ≥ 1'],
    [{ match: { times: 1.5 }, action: { kind: 'hang' } }, 'match.times: expected a whole number ≥ 1'],
    [{ match: { environment: 'staging' }, action: { kind: 'hang' } }, 'match.environment: expected test or production'],
    [{ match: { method: 'GET /x' }, action: { kind: 'hang' } }, 'match.method: expected an HTTP method'],
    [{ match: { path: 'api/Orders' }, action: { kind: 'hang' } }, 'match.path: expected a glob starting with /'],
    [{ match: { path: '/api/(Orders/' }, action: { kind: 'hang' } }, 'match.path: not a valid regular expression'],
    [{ match: { from: 10, until: 10 }, action: { kind: 'hang' } }, 'match.until: expected a time after match.from'],
    [{ match: { pth: '/x' }, action: { kind: 'hang' } }, 'match.pth: unknown field'],
    [{ action: { kind: 'explode' } }, 'action.kind: expected one of status, latency, reset, empty, truncated, malformed-json, hang, redirect'],
    [{ action: {} }, 'action.kind: expected one of'],
    [{ match: {} }, 'action: '],
    [{ action: { kind: 'status', status: 418 } }, 'action.status: expected one of 400, 401, 403, 404, 422, 429, 500, 502, 503, 504'],
    [{ action: { kind: 'status', status: 503, retryAfter: { seconds: -1 } } }, 'action.retryAfter.seconds: expected a whole number ≥ 0'],
    [{ action: { kind: 'status', status: 503, retryAfter: { httpDate: 1.5 } } }, 'action.retryAfter.httpDate: expected whole seconds from now'],
    [{ action: { kind: 'status', status: 503, retryAfter: { secs: 1 } } }, 'action.retryAfter: expected { seconds'],
    [{ action: { kind: 'status', status: 503, retryAfter: 'never' } }, 'action.retryAfter: expected'],
    [{ action: { kind: 'status', status: 429, retryAfter: { value: 'soon\r\nSet-Cookie: a=1' } } }, 'action.retryAfter.value: expected 1 to 64 visible characters'],
    [{ action: { kind: 'status', status: 429, retryAfter: { value: '' } } }, 'action.retryAfter.value: expected 1 to 64 visible characters'],
    [{ action: { kind: 'status', status: 500, revokeTokens: true } }, 'action.revokeTokens: only for status 401'],
    [{ action: { kind: 'latency', ms: -5 } }, 'action.ms: expected a whole number of milliseconds from 0 to 600000'],
    [{ action: { kind: 'latency', ms: 3_600_000 } }, 'action.ms: expected a whole number of milliseconds from 0 to 600000 (use hang for longer)'],
    [{ action: { kind: 'reset', ms: 5 } }, 'action.ms: unknown field'],
    [{ action: { kind: 'large-body' } }, 'action.bytes: expected a whole number of bytes from 1 to 1073741824'],
    [{ action: { kind: 'large-body', bytes: 0 } }, 'action.bytes: expected a whole number of bytes from 1 to 1073741824'],
    [{ action: { kind: 'large-body', bytes: 2 ** 31 } }, 'action.bytes: expected a whole number of bytes from 1 to 1073741824'],
    [{ action: { kind: 'wrong-types', bytes: 5 } }, 'action.bytes: unknown field'],
    [{ action: { kind: 'hang' }, colour: 'red', size: 2 }, 'colour, size: unknown fields'],
    [{ action: { kind: 'redirect', status: 301, location: 'https://127.0.0.1:1' } }, 'action.status: expected one of 302, 307'],
    [{ action: { kind: 'redirect', status: 307 } }, 'action.location: expected an absolute http:// or https:// URL of a loopback host'],
    [{ action: { kind: 'redirect', status: 307, location: '/elsewhere' } }, 'action.location: expected an absolute http:// or https:// URL of a loopback host'],
    [{ action: { kind: 'redirect', status: 307, location: 'https://example.com/' } }, 'action.location: expected an absolute http:// or https:// URL of a loopback host'],
    [{ action: { kind: 'redirect', status: 307, location: 'https://127.0.0.1.example.com/' } }, 'action.location: expected an absolute http:// or https:// URL of a loopback host'],
    [{ action: { kind: 'redirect', status: 307, location: 'ftp://127.0.0.1/' } }, 'action.location: expected an absolute http:// or https:// URL of a loopback host'],
    [{ action: { kind: 'redirect', status: 307, location: 'https://user:pw@127.0.0.1/' } }, 'action.location: expected no user name or password in the URL'],
    [{ action: { kind: 'redirect', status: 307, location: 'https://127.0.0.1/', ms: 1 } }, 'action.ms: unknown field'],
    [{ id: 'has space', action: { kind: 'hang' } }, 'id: expected letters, digits'],
    ['hang', 'rule: expected an object'],
    [null, 'rule: expected an object'],
  ])('rejects %j with an error naming the field', (input, message) => {
    let error: unknown;
    try {
      parseFaultRule(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GoliveError);
    expect((error as GoliveError).code).toBe('GOLIVE_ERR_BAD_REQUEST');
    expect((error as Error).message.slice(0, message.length)).toBe(message);
  });
});

describe('redirectLocation', () => {
  it("keeps the request's path and query when the location is an origin alone", () => {
    const action = { kind: 'redirect', status: 307, location: 'https://127.0.0.1:4443' } as const;
    expect(redirectLocation(action, '/api/Orders/A1', '?pageSize=5')).toBe('https://127.0.0.1:4443/api/Orders/A1?pageSize=5');
    expect(redirectLocation({ ...action, location: 'https://127.0.0.1:4443/' }, '/api/Orders', '')).toBe('https://127.0.0.1:4443/api/Orders');
  });

  it('sends a location with a path or a query as it is', () => {
    expect(redirectLocation({ kind: 'redirect', status: 302, location: 'https://localhost:4443/moved' }, '/api/Orders', '?a=1')).toBe('https://localhost:4443/moved');
    expect(redirectLocation({ kind: 'redirect', status: 302, location: 'https://localhost:4443/?to=x' }, '/api/Orders', '')).toBe('https://localhost:4443/?to=x');
  });
});

describe('compilePath', () => {
  it('matches * within one segment and ** across segments, ignoring case', () => {
    const one = compilePath('/api/Orders/*');
    expect(one.test('/api/orders/A1')).toBe(true);
    expect(one.test('/API/ORDERS/A1')).toBe(true);
    expect(one.test('/api/Orders/A1/Lines')).toBe(false);
    expect(one.test('/api/Orders')).toBe(false);
    const any = compilePath('/api/Orders/**');
    expect(any.test('/api/Orders/A1/Lines/2')).toBe(true);
    expect(any.test('/api/Orders')).toBe(false);
  });

  it('matches ? as one character and everything else literally', () => {
    expect(compilePath('/api/v?/x').test('/api/v2/x')).toBe(true);
    expect(compilePath('/api/v?/x').test('/api/v/x')).toBe(false);
    expect(compilePath('/api/a.b+c').test('/api/a.b+c')).toBe(true);
    expect(compilePath('/api/a.b+c').test('/api/aXbbc')).toBe(false);
  });

  it('reads /source/ as a case-insensitive regular expression, unanchored as written', () => {
    const re = compilePath('/^/api/orders/[^/]+/lines$/');
    expect(re.test('/api/Orders/A1/Lines')).toBe(true);
    expect(re.test('/api/Orders/A1')).toBe(false);
    expect(compilePath('/UpdateMany/').test('/api/Orders/UpdateMany')).toBe(true);
  });

  it('reads a lone / as a glob for the root', () => {
    expect(compilePath('/').test('/')).toBe(true);
    expect(compilePath('/').test('/api')).toBe(false);
  });
});

describe('retryAfterHeader', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('gives delay-seconds as an integer string', () => {
    expect(retryAfterHeader({ kind: 'status', status: 503, retryAfter: { seconds: 7 } }, now)).toBe('7');
  });

  it('gives an IMF-fixdate that many seconds from now', () => {
    expect(retryAfterHeader({ kind: 'status', status: 429, retryAfter: { httpDate: 90 } }, now)).toBe('Thu, 01 Jan 2026 12:01:30 GMT');
  });

  it('rounds the date up to the whole second so it never promises a shorter wait', () => {
    expect(retryAfterHeader({ kind: 'status', status: 429, retryAfter: { httpDate: 1 } }, now + 200)).toBe('Thu, 01 Jan 2026 12:00:02 GMT');
  });

  it('gives a past date for a negative httpDate, 0 as 0, and a value as it is (case 75: what a parser must survive)', () => {
    expect(retryAfterHeader({ kind: 'status', status: 429, retryAfter: { httpDate: -60 } }, now)).toBe('Thu, 01 Jan 2026 11:59:00 GMT');
    expect(retryAfterHeader({ kind: 'status', status: 429, retryAfter: { seconds: 0 } }, now)).toBe('0');
    expect(retryAfterHeader({ kind: 'status', status: 429, retryAfter: { value: 'soon' } }, now)).toBe('soon');
  });

  it('gives nothing for absent', () => {
    expect(retryAfterHeader({ kind: 'status', status: 429, retryAfter: 'absent' }, now)).toBeUndefined();
  });

  it('defaults to 2 seconds on a 429 and to nothing on other statuses', () => {
    expect(retryAfterHeader({ kind: 'status', status: 429 }, now)).toBe('2');
    expect(retryAfterHeader({ kind: 'status', status: 503 }, now)).toBeUndefined();
  });

  it('gives nothing for faults that are not a status', () => {
    expect(retryAfterHeader({ kind: 'hang' }, now)).toBeUndefined();
  });
});

describe('FaultMatcher: rules', () => {
  it('matches nothing when it holds no rules', () => {
    expect(faults.match(req('/api/Orders/A1'))).toBeNull();
  });

  it('assigns ids f1, f2… and keeps a given id', () => {
    expect(faults.add({ action: E503 }).id).toBe('f1');
    expect(faults.add({ id: 'mine', action: E503 }).id).toBe('mine');
    expect(faults.add({ action: E503 }).id).toBe('f2');
  });

  it('skips an id that was given by hand when assigning one', () => {
    faults.add({ id: 'f1', action: E503 });
    expect(faults.add({ action: E503 }).id).toBe('f2');
  });

  it('refuses a second rule with the same id', () => {
    faults.add({ id: 'x', action: E503 });
    expect(() => faults.add({ id: 'x', action: E500 })).toThrow('id: a fault rule x exists already');
  });

  it('validates what it is given', () => {
    expect(() => faults.add({ match: { probability: 3 }, action: E503 })).toThrow('match.probability: expected a number from 0 to 1');
    expect(faults.list()).toEqual([]);
  });

  it('returns rules that cannot be changed from outside', () => {
    const rule = faults.add({ match: { path: '/a' }, action: E503 });
    expect(Object.isFrozen(rule)).toBe(true);
    expect(Object.isFrozen(rule.match)).toBe(true);
    expect(Object.isFrozen(rule.action)).toBe(true);
  });

  it('removes a rule by id and says whether there was one', () => {
    faults.add({ action: E503 });
    expect(faults.remove('f1')).toBe(true);
    expect(faults.remove('f1')).toBe(false);
    expect(faults.match(req('/x'))).toBeNull();
  });

  it('clears every rule without reusing ids', () => {
    faults.add({ action: E503 });
    faults.add({ action: E500 });
    faults.clear();
    expect(faults.list()).toEqual([]);
    expect(faults.match(req('/x'))).toBeNull();
    expect(faults.add({ action: E503 }).id).toBe('f3');
  });

  it('lets the first matching rule win, in insertion order', () => {
    faults.add({ match: { path: '/api/Orders/*' }, action: E503 });
    faults.add({ match: { path: '/api/**' }, action: E500 });
    expect(hits([req('/api/Orders/A1'), req('/api/Products/P1')])).toEqual(['f1', 'f2']);
  });
});

describe('FaultMatcher: criteria', () => {
  it('matches the API user and never a request without one', () => {
    faults.add({ match: { apiUser: 'alice' }, action: E503 });
    expect(hits([req('/x'), req('/x', { apiUser: 'bob' }), req('/x', { apiUser: null })])).toEqual(['f1', '-', '-']);
  });

  it('matches only while a webhook delivery is in flight, with whileDelivering (case 96)', () => {
    let delivering = false;
    faults.watchDeliveries(() => delivering);
    faults.add({ match: { path: '/ORD-1/', whileDelivering: true }, action: { kind: 'latency', ms: 5_000 } });
    const before = hits([req('/api/Orders/ORD-1')]);
    delivering = true;
    const during = hits([req('/api/Orders/ORD-1'), req('/api/Orders/ORD-2')]);
    delivering = false;
    expect([...before, ...during, ...hits([req('/api/Orders/ORD-1')])]).toEqual(['-', 'f1', '-', '-']);
  });

  it('matches the environment', () => {
    faults.add({ match: { environment: 'production' }, action: E503 });
    expect(hits([req('/x'), req('/x', { environment: 'production' })])).toEqual(['-', 'f1']);
  });

  it('matches the method whatever its case', () => {
    faults.add({ match: { method: 'post' }, action: E503 });
    expect(hits([req('/x'), req('/x', { method: 'POST' }), req('/x', { method: 'post' })])).toEqual(['-', 'f1', 'f1']);
  });

  it('matches the path by glob or regular expression', () => {
    faults.add({ match: { path: '/api/orders/*' }, action: E503 });
    faults.add({ match: { path: '/Many$/' }, action: E500 });
    expect(hits([req('/api/Orders/A1'), req('/api/Orders/AddMany/x'), req('/api/Products/UpdateMany'), req('/api/Products/1')])).toEqual([
      'f1',
      '-',
      'f2',
      '-',
    ]);
  });

  it('applies only inside its from-until window on the mock clock', () => {
    const start = clock.now();
    faults.add({ match: { from: start + 1_000, until: start + 2_000 }, action: E503 });
    const seen: string[] = [];
    for (const step of [0, 999, 1, 999, 1, 5_000]) {
      clock.advance(step);
      seen.push(faults.match(req('/x'))?.id ?? '-');
    }
    expect(seen).toEqual(['-', '-', 'f1', 'f1', '-', '-']);
  });
});

describe('FaultMatcher: counters', () => {
  it('hits only the nth matching request', () => {
    faults.add({ match: { path: '/api/Orders/*', nth: 3 }, action: E503 });
    expect(hits(times(5, req('/api/Orders/A1')))).toEqual(['-', '-', 'f1', '-', '-']);
  });

  it('counts only requests that meet the rule’s other criteria', () => {
    faults.add({ match: { path: '/api/Orders/*', nth: 2 }, action: E503 });
    const other = req('/api/Products/P1');
    const order = req('/api/Orders/A1');
    expect(hits([other, order, other, other, order, order])).toEqual(['-', '-', '-', '-', 'f1', '-']);
  });

  it('hits at most `times` times and then is spent', () => {
    faults.add({ match: { times: 2 }, action: E503 });
    expect(hits(times(4, req('/x')))).toEqual(['f1', 'f1', '-', '-']);
    expect(faults.list()).toEqual([expect.objectContaining({ id: 'f1', seen: 2, fired: 2, spent: true })]);
  });

  it('reads nth with times as a run of consecutive matching requests', () => {
    faults.add({ match: { nth: 2, times: 3 }, action: E503 });
    expect(hits(times(6, req('/x')))).toEqual(['-', 'f1', 'f1', 'f1', '-', '-']);
  });

  it('keeps a spent nth rule listed', () => {
    faults.add({ match: { nth: 1 }, action: E503, note: 'first call fails' });
    faults.match(req('/x'));
    expect(faults.list()).toEqual([
      { id: 'f1', match: { nth: 1 }, action: E503, note: 'first call fails', seen: 1, fired: 1, spent: true },
    ]);
  });

  it('lets later rules answer once an earlier one is spent', () => {
    faults.add({ match: { times: 1 }, action: E503 });
    faults.add({ action: E500 });
    expect(hits(times(3, req('/x')))).toEqual(['f1', 'f2', 'f2']);
  });

  it('does not count a request for a rule when an earlier rule answered it', () => {
    faults.add({ match: { times: 2 }, action: E503 });
    faults.add({ match: { nth: 1 }, action: E500 });
    expect(hits(times(4, req('/x')))).toEqual(['f1', 'f1', 'f2', '-']);
  });

  it('counts a request that did not reach its nth, so the next rule may answer it', () => {
    faults.add({ match: { nth: 2 }, action: E503 });
    faults.add({ match: { times: 1 }, action: E500 });
    expect(hits(times(3, req('/x')))).toEqual(['f2', 'f1', '-']);
  });

  it('drops a removed rule from the live count so an empty matcher is empty again', () => {
    faults.add({ match: { times: 1 }, action: E503 });
    faults.add({ action: E500 });
    faults.match(req('/x'));
    faults.remove('f2');
    expect(faults.match(req('/x'))).toBeNull();
    expect(faults.list()).toHaveLength(1);
  });
});

describe('FaultMatcher: probability', () => {
  const sequence = (seed: number, n: number) => {
    const m = new FaultMatcher({ seed, now: clock.now });
    m.add({ match: { path: '/api/Orders/**', probability: 0.3 }, action: E503 });
    m.add({ match: { method: 'POST', probability: 0.5 }, action: { kind: 'reset' } });
    const requests = Array.from({ length: n }, (_, i) => req(i % 3 === 0 ? '/api/Orders/A1' : '/api/Carts/C1', { method: i % 2 ? 'POST' : 'GET' }));
    return hits(requests, m);
  };

  it('gives the same fault sequence for the same seed and requests', () => {
    expect(sequence(7, 200)).toEqual(sequence(7, 200));
  });

  it('gives a different fault sequence for another seed', () => {
    expect(sequence(7, 200)).not.toEqual(sequence(8, 200));
  });

  it('hits roughly the share of requests it is given', () => {
    faults.add({ match: { probability: 0.25 }, action: E503 });
    const hit = hits(times(4_000, req('/x'))).filter((id) => id === 'f1').length;
    expect(hit).toBeGreaterThan(850);
    expect(hit).toBeLessThan(1_150);
  });

  it('never hits with probability 0 and always with probability 1', () => {
    faults.add({ match: { path: '/never', probability: 0 }, action: E503 });
    faults.add({ match: { path: '/always', probability: 1 }, action: E500 });
    expect(hits([...times(50, req('/never')), ...times(50, req('/always'))])).toEqual([...Array(50).fill('-'), ...Array(50).fill('f2')]);
  });

  it('counts a missed draw toward nth but not toward times', () => {
    faults.add({ match: { nth: 1, probability: 0 }, action: E503 });
    faults.add({ match: { times: 1, probability: 0 }, action: E500 });
    hits(times(3, req('/x')));
    expect(faults.list()).toEqual([
      expect.objectContaining({ id: 'f1', seen: 1, fired: 0, spent: true }),
      expect.objectContaining({ id: 'f2', seen: 3, fired: 0, spent: false }),
    ]);
  });

  it('draws from mulberry32, reproducible from its seed', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const draws = Array.from({ length: 5 }, () => a());
    expect(draws).toEqual(Array.from({ length: 5 }, () => b()));
    for (const d of draws) expect(d >= 0 && d < 1).toBe(true);
  });
});

describe('FaultMatcher: pinned rules', () => {
  const search = (window: string, extra: Partial<FaultRequest> = {}) =>
    req('/api/Orders/Search', { method: 'POST', identity: { method: 'POST', path: '/api/Orders/Search', query: {}, bodyFingerprint: window }, ...extra });

  it('keeps refusing the request it first answered, and lets a different body through', () => {
    faults.add({ id: 'storm', match: { pin: 'storm', times: 3 }, action: { kind: 'status', status: 429 } });

    // The retry of window a meets the fault; the next poll (window b) does not.
    expect(hits([search('a'), search('b'), search('a'), search('b'), search('a'), search('a')])).toEqual(['storm', '-', 'storm', '-', 'storm', '-']);
  });

  it('treats the same path with another query, or another case of the path, by the request key', () => {
    faults.add({ id: 'p', match: { pin: 'p' }, action: E503 });
    const get = (path: string, query: Record<string, string>) => req(path, { identity: { method: 'GET', path, query, bodyFingerprint: null } });

    expect(hits([get('/api/Orders/GetOrders', { page: '1' }), get('/api/orders/getorders', { page: '1' }), get('/api/Orders/GetOrders', { page: '2' })])).toEqual([
      'p',
      'p',
      '-',
    ]);
  });

  it('shares one pinned request among the rules of a group, and leaves other requests to later rules', () => {
    faults.add({ id: 'reset', match: { pin: 'net', times: 1 }, action: { kind: 'reset' } });
    faults.add({ id: 'down', match: { pin: 'net' }, action: E503 });
    faults.add({ id: 'hang', match: { times: 1 }, action: { kind: 'hang' } });

    expect(hits([search('a'), search('a'), search('b'), search('a'), search('c')])).toEqual(['reset', 'down', 'hang', 'down', '-']);
  });

  it('pins each group to a request of its own: a request pinned by a spent group is not pinned again', () => {
    faults.add({ id: 'first', match: { pin: 'first', times: 2 }, action: { kind: 'status', status: 429 } });
    faults.add({ id: 'next', match: { pin: 'next', times: 1 }, action: { kind: 'status', status: 429 } });

    // A client working one request at a time: a's third attempt gets through; b is the next request.
    expect(hits([search('a'), search('a'), search('a'), search('b'), search('b')])).toEqual(['first', 'first', '-', 'next', '-']);
  });

  it("leaves another API user's same request to its own rules: a pin is one user's request", () => {
    faults.add({ id: 'one', match: { apiUser: 'u1', pin: 'one', times: 1 }, action: { kind: 'status', status: 429 } });
    faults.add({ id: 'two', match: { apiUser: 'u2', pin: 'two', times: 1 }, action: { kind: 'status', status: 429 } });

    expect(hits([search('a', { apiUser: 'u1' }), search('a', { apiUser: 'u2' })])).toEqual(['one', 'two']);
  });

  it('takes a retry with a renewed token in the query string for the same request', () => {
    faults.add({ id: 'p', match: { pin: 'p' }, action: E503 });
    const withToken = (masked: string) =>
      req('/api/Orders', { identity: { method: 'GET', path: '/api/Orders', query: { access_token: masked }, bodyFingerprint: null, secretsInUrl: [{ kind: 'token', where: 'query', param: 'access_token' }] } });

    expect(hits([withToken('eyJhbG…aa'), withToken('eyJhbG…bb')])).toEqual(['p', 'p']);
  });

  it('forgets the pinned request once the last rule of its group is removed', () => {
    faults.add({ id: 'one', match: { pin: 'g' }, action: E503 });
    expect(hits([search('a'), search('b')])).toEqual(['one', '-']);
    faults.remove('one');
    faults.add({ id: 'two', match: { pin: 'g' }, action: E503 });

    expect(hits([search('b'), search('a')])).toEqual(['two', '-']);
  });

  it('validates the pin name', () => {
    expect(() => parseFaultRule({ match: { pin: 'no spaces' }, action: E503 })).toThrow('match.pin: expected letters, digits');
  });
});
