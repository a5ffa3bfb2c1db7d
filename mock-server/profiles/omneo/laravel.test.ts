import { describe, expect, it } from 'vitest';
import { invalid, noContent, notFound, omneoTime, paginate, rules, sometimes, validate } from './laravel.ts';
import { testRequest } from './test/context.ts';

const items = Array.from({ length: 40 }, (_, i) => i + 1);
const HOST = { host: 'api.demo.getomneo.com', 'x-forwarded-proto': 'https' };
const listRequest = (query: Record<string, string> = {}, headers: Record<string, string> = HOST) =>
  testRequest('GET', '/api/v3/profiles', { query, headers });
const URL_BASE = 'https://api.demo.getomneo.com/api/v3/profiles';
const pageUrl = (n: number) => `${URL_BASE}?page%5Bnumber%5D=${n}`;

describe('omneoTime', () => {
  it('writes UTC as YYYY-MM-DD HH:mm:ss, without milliseconds or zone', () => {
    expect(omneoTime(Date.UTC(2026, 0, 15, 12, 0, 0))).toBe('2026-01-15 12:00:00');
    expect(omneoTime(Date.UTC(2021, 0, 27, 7, 5, 9, 999))).toBe('2021-01-27 07:05:09');
  });
});

describe('paginate', () => {
  it('answers the first page of 15 with Laravel links and meta', () => {
    const page = paginate(items, listRequest(), '/api/v3/profiles');
    expect(page.data).toEqual(items.slice(0, 15));
    expect(page.links).toEqual({ first: pageUrl(1), last: pageUrl(3), prev: null, next: pageUrl(2) });
    expect(page.meta).toEqual({
      current_page: 1,
      from: 1,
      last_page: 3,
      links: [
        { url: null, label: '&laquo; Previous', active: false },
        { url: pageUrl(1), label: '1', active: true },
        { url: pageUrl(2), label: '2', active: false },
        { url: pageUrl(3), label: '3', active: false },
        { url: pageUrl(2), label: 'Next &raquo;', active: false },
      ],
      path: URL_BASE,
      per_page: 15,
      to: 15,
      total: 40,
    });
  });

  it('answers the last, shorter page without a next link', () => {
    const page = paginate(items, listRequest({ 'page[number]': '3' }), '/api/v3/profiles');
    expect(page.data).toEqual([31, 32, 33, 34, 35, 36, 37, 38, 39, 40]);
    expect(page.links).toEqual({ first: pageUrl(1), last: pageUrl(3), prev: pageUrl(2), next: null });
    expect(page.meta).toMatchObject({ current_page: 3, from: 31, to: 40, last_page: 3, total: 40 });
  });

  it('answers a page past the end with no data, null from/to and a prev link', () => {
    const page = paginate(items, listRequest({ 'page[number]': '9' }), '/api/v3/profiles');
    expect(page.data).toEqual([]);
    expect(page.links).toEqual({ first: pageUrl(1), last: pageUrl(3), prev: pageUrl(8), next: null });
    expect(page.meta).toMatchObject({ current_page: 9, from: null, to: null, last_page: 3, total: 40 });
  });

  it('reads page[size], keeps the other query parameters in the links, and encodes them as PHP does', () => {
    const page = paginate(items, listRequest({ 'page[size]': '10', 'filter[email]': "o'hara@example.com", 'page[number]': '2' }), '/api/v3/profiles');
    expect(page.data).toEqual(items.slice(10, 20));
    expect(page.meta).toMatchObject({ per_page: 10, last_page: 4, from: 11, to: 20 });
    expect(page.links.next).toBe(`${URL_BASE}?page%5Bsize%5D=10&filter%5Bemail%5D=o%27hara%40example.com&page%5Bnumber%5D=3`);
  });

  it('falls back to page 1 and the default size for values that are not whole numbers ≥ 1', () => {
    const page = paginate(items, listRequest({ 'page[size]': '0', 'page[number]': 'abc' }), '/api/v3/profiles');
    expect(page.meta).toMatchObject({ current_page: 1, per_page: 15 });
    expect(paginate(items, listRequest(), '/x', { perPage: 25 }).meta).toMatchObject({ per_page: 25, last_page: 2 });
  });

  it('answers one empty page for an empty list', () => {
    const page = paginate([], listRequest(), '/api/v3/profiles');
    expect(page.data).toEqual([]);
    expect(page.meta).toMatchObject({ current_page: 1, from: null, to: null, last_page: 1, total: 0 });
    expect(page.links).toEqual({ first: pageUrl(1), last: pageUrl(1), prev: null, next: null });
  });

  it("writes relative links without a host, and the transport's scheme without a proxy header", () => {
    expect(paginate(items, listRequest({}, {}), '/api/v3/profiles').meta.path).toBe('/api/v3/profiles');
    expect(paginate(items, listRequest({}, { host: 'localhost:4010' }), '/api/v3/profiles').meta.path).toBe('http://localhost:4010/api/v3/profiles');
    const overTls = { ...listRequest({}, { host: 'localhost:4010' }), transport: 'https' as const };
    expect(paginate(items, overTls, '/api/v3/profiles').meta.path).toBe('https://localhost:4010/api/v3/profiles');
  });

  it('shows a window of page numbers with "..." when there are many pages, as Laravel does', () => {
    const many = Array.from({ length: 200 }, (_, i) => i);
    const labels = (n: string) => paginate(many, listRequest({ 'page[number]': n, 'page[size]': '10' }), '/p').meta.links.map((l) => l.label);
    const middle = labels('10');
    expect(middle.slice(1, -1)).toEqual(['1', '2', '...', '7', '8', '9', '10', '11', '12', '13', '...', '19', '20']);
    expect(labels('1').slice(1, -1)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '...', '19', '20']);
    expect(labels('20').slice(1, -1)).toEqual(['1', '2', '...', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20']);
  });
});

describe('responses', () => {
  it('answers 422, 404 and 204 in Laravel JSON shapes', () => {
    expect(invalid({ email: ['The email must be a valid email address.'] })).toEqual({
      status: 422,
      body: { message: 'The given data was invalid.', errors: { email: ['The email must be a valid email address.'] } },
    });
    expect(notFound()).toEqual({ status: 404, body: { message: 'Not Found' } });
    expect(noContent()).toEqual({ status: 204 });
  });
});

describe('validate', () => {
  const ruleSet = { first_name: [rules.required, rules.string], email: [rules.string, rules.email], birth_day: [rules.integer, rules.between(1, 31)] };

  it('reports the first broken rule of each field, with the field named as Laravel names it', () => {
    expect(validate({ email: 'nope', birth_day: 40 }, ruleSet)).toEqual({
      first_name: ['The first name field is required.'],
      email: ['The email must be a valid email address.'],
      birth_day: ['The birth day must be between 1 and 31.'],
    });
    expect(validate({ first_name: 'Jo', email: 'jo@example.com', birth_day: '3' }, ruleSet)).toEqual({});
  });

  it('judges only the fields sent under sometimes', () => {
    expect(validate({ email: 'jo@example.com' }, sometimes(ruleSet, { email: 'jo@example.com' }))).toEqual({});
    expect(validate({ first_name: '' }, sometimes(ruleSet, { first_name: '' }))).toEqual({ first_name: ['The first name field is required.'] });
  });
});
