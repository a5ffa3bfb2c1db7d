import { createHash } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderHtml } from './html.ts';
import type { Report, TrafficMark } from './model.ts';
import { trafficLane } from './traffic.ts';
import { HOSTILE_TEXT, TRICKY_SUMMARY, reportFixture } from './test/report-fixture.ts';

/** One element of the page as parsed back: its tag, attributes (entities decoded), children and text. */
interface El {
  tag: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

type Node = Record<string, unknown> & { ':@'?: Record<string, string> };

/**
 * The page parsed back. No HTML parser is a dependency, so renderHtml writes markup that is also
 * well-formed XML (void elements closed, attributes quoted and valued), and fast-xml-parser reads it.
 */
function parse(html: string) {
  const valid = XMLValidator.validate(html);
  if (valid !== true) throw new Error(`not well-formed: ${JSON.stringify(valid.err)}`);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    htmlEntities: true,
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
  });
  const toEl = (node: Node): El | string => {
    if ('#text' in node) return String(node['#text']);
    const tag = Object.keys(node).find((k) => k !== ':@')!;
    const kids = (node[tag] as Node[]).map(toEl);
    const children = kids.filter((k): k is El => typeof k !== 'string');
    const text = kids.map((k) => (typeof k === 'string' ? k : k.text)).join('');
    return { tag, attrs: node[':@'] ?? {}, children, text };
  };
  const roots = (parser.parse(html) as Node[]).map(toEl).filter((k): k is El => typeof k !== 'string');
  const every: El[] = [];
  const walk = (el: El) => {
    every.push(el);
    el.children.forEach(walk);
  };
  roots.forEach(walk);
  const all = (tag: string, cls?: string): El[] =>
    every.filter((el) => el.tag === tag && (cls === undefined || (el.attrs.class ?? '').split(' ').includes(cls)));
  return { all, every };
}

/** The fixture with timed evidence on checks of other verdicts too, so the ticks show more than one colour. */
function timedFixture(): Report {
  const report = reportFixture();
  const warn = report.checks.find((c) => c.verdict === 'warn')!;
  warn.evidence.push({ kind: 'request', seq: 40, at: 30, method: 'GET', path: '/api/Orders', status: 429, environment: 'test' });
  const pass = report.checks.find((c) => c.verdict === 'pass')!;
  pass.evidence.push({ kind: 'log', stream: 'stdout', at: 80, text: 'refused the certificate' });
  return report;
}

describe('renderHtml', () => {
  const html = renderHtml(timedFixture());
  const { all, every } = parse(html);

  it('opens with the verdict in words, the totals, the start, duration, version and command', () => {
    const status = all('span', 'status')[0]!;
    expect([status.text, status.attrs['data-certified']]).toEqual(['NOT CERTIFIED', 'false']);
    expect(parse(renderHtml({ ...reportFixture(), certified: true })).all('span', 'status')[0]!.text).toBe('CERTIFIED');
    const totals = Object.fromEntries(all('ul', 'totals')[0]!.children.map((li) => [li.attrs['data-verdict'], li.text]));
    expect(totals).toEqual({ fail: 'fail 3', inconclusive: 'inconclusive 2', warn: 'warn 1', pass: 'pass 1', 'not-applicable': 'not-applicable 1' });
    const facts = all('dl', 'facts')[0]!.children.map((c) => c.text);
    expect(facts).toEqual(['started', '2026-11-23T10:00:00.000Z', 'duration', '84.2 s', 'golive', '0.1.0', 'command', 'node app.mjs', 'API user', 'ERP Order Sync']);
  });

  it('has one row per check with its verdict as a worded badge, grouped under a heading per section', () => {
    const rows = all('tr', 'check');
    expect(rows.map((r) => [r.attrs['data-check-id'], r.attrs['data-verdict']])).toEqual([
      ['token.cached-and-reused', 'fail'],
      ['token.not-in-url', 'fail'],
      ['token.tls-verified', 'pass'],
      ['webhooks.idempotent', 'fail'],
      ['errors.no-retry-on-403', 'inconclusive'],
      ['errors.jitter-on-429', 'warn'],
      ['credentials.store-market-scoping', 'inconclusive'],
      ['tenancy.token-per-tenant', 'not-applicable'],
    ]);
    for (const row of rows) expect(row.children[0]!.text).toBe(row.attrs['data-verdict']);
    expect(rows.find((r) => r.attrs['data-check-id'] === 'errors.jitter-on-429')!.children.map((c) => c.text)).toEqual([
      'warn',
      'errors.jitter-on-429',
      'Backoff has jitter',
      'advisory',
      'retry gaps were equal within 1 % in both storms',
    ]);
    expect(all('section', 'checks').map((s) => [s.children[0]!.tag, s.children[0]!.text])).toEqual([
      ['h3', 'Token handling'],
      ['h3', 'Webhooks'],
      ['h3', 'Error handling'],
      ['h3', 'Credentials'],
      ['h3', 'Beyond the Omnium checklist'],
    ]);
    for (const table of all('section', 'checks').map((s) => s.children[1]!)) {
      expect(table.children[0]!.tag).toBe('thead');
      expect(table.children[0]!.children[0]!.children.every((th) => th.tag === 'th' && th.attrs.scope === 'col')).toBe(true);
    }
  });

  it('opens the evidence and fix of each check that needs a look, and keeps a passing one closed', () => {
    const details = (id: string) => all('tr', 'detail').find((r) => r.attrs['data-check-id'] === id)?.children[0]!.children[0];
    const webhook = details('webhooks.idempotent')!;
    expect(webhook.attrs.open).toBe('');
    expect(webhook.children.find((c) => c.tag === 'ul')!.children.map((li) => [li.attrs['data-kind'], li.text])).toEqual([
      ['delivery', 'delivery #4 at 9.1 s: duplicate of event 1e2c…9a0f, attempt 2, auth Bearer whk_…zzzz → 200 in 3 ms'],
      ['delivery', 'delivery #5 at 19.4 s: retry of event 1e2c…9a0f, attempt 3, no auth header → no answer (timeout) in 10000 ms (after a simulated timeout)'],
      ['change', 'inventory SKU-1@oslo-online reservedInventory: 1 → 4 (changed by a duplicate)'],
      ['note', 'the side-effect probe printed two rows'],
    ]);
    expect(webhook.children.find((c) => c.tag === 'p')!.text).toBe('Fix: Remember the event ids you have handled and ignore a repeat.');
    expect(details('errors.jitter-on-429')!.attrs.open).toBe('');
    expect(details('token.tls-verified')!.attrs.open).toBeUndefined();
    expect(details('tenancy.token-per-tenant')).toBeUndefined();
  });

  it('draws one bar per phase, placed and sized on the run’s scale', () => {
    const bars = all('rect', 'phase');
    expect(bars.map((b) => [b.attrs['data-phase'], b.attrs.x, b.attrs.width, b.attrs['data-completed']])).toEqual([
      ['steady', '1.43%', '11.88%', 'true'],
      // A phase that did not run keeps a sliver at its place.
      ['forbidden', '13.30%', '0.30%', 'false'],
    ]);
    expect(bars[1]!.children[0]!.text).toBe('forbidden (test): 11.2 s to 11.2 s, not completed, not run');
    expect(all('table', 'timeline')[0]!.attrs['data-scale']).toBe('84.2');
  });

  it('marks each timed piece of evidence as a tick at its time, coloured by and grouped under its check’s verdict', () => {
    const timed = timedFixture().checks.flatMap((c) =>
      c.evidence.flatMap((e) => ('at' in e ? [[c.id, c.verdict, e.kind, String(e.at)]] : [])),
    );
    const ticks = all('line', 'tick');
    expect(ticks).toHaveLength(19);
    expect(ticks.map((t) => [t.attrs['data-check-id'], t.attrs['data-verdict'], t.attrs['data-kind'], t.attrs['data-at']]).sort()).toEqual(timed.sort());
    for (const t of ticks) expect(t.attrs.class).toBe(`tick v-${t.attrs['data-verdict']}`);
    const log = ticks.find((t) => t.attrs['data-kind'] === 'log' && t.attrs['data-verdict'] === 'fail')!;
    expect([log.attrs.x1, log.children[0]!.text]).toEqual(['6.06%', 'token.not-in-url (fail): stderr at 5.1 s: GET /api/Orders?access_token=eyJh…Q2x8 <done>']);
    // Colour is not the only signal: each row of ticks is headed by its verdict in words.
    expect(all('tr', 'tick-row').map((r) => [r.attrs['data-verdict'], r.children[0]!.text])).toEqual([
      ['fail', 'fail 17 items'],
      ['warn', 'warn 1 item'],
      ['pass', 'pass 1 item'],
    ]);
  });

  it('shows how each process of the integration ended, with its output tail as it was', () => {
    const exits = all('section', 'exit');
    expect(exits.map((s) => [s.attrs['data-environment'], s.children.find((c) => c.tag === 'p')!.text])).toEqual([
      ['test', 'exit code 1 (before the harness stopped it)'],
      ['production', 'exit code 0'],
    ]);
    expect(exits[0]!.children.find((c) => c.tag === 'pre')!.text).toBe('starting\nError: boom ``` <x>\n    at main (app.mjs:3)');
  });

  it('escapes markup and quotes from every part of the report, in text and in attributes', () => {
    const report = reportFixture();
    const check = report.checks[1]!;
    Object.assign(check, { id: `x${HOSTILE_TEXT}`, title: HOSTILE_TEXT, section: HOSTILE_TEXT, summary: HOSTILE_TEXT, remediation: HOSTILE_TEXT });
    check.evidence.push({ kind: 'log', stream: 'stdout', at: 6, text: HOSTILE_TEXT }, { kind: 'file', path: HOSTILE_TEXT, line: 1, note: HOSTILE_TEXT });
    report.phases[0]!.name = HOSTILE_TEXT;
    report.integration.command = ['node', HOSTILE_TEXT];
    report.integration.exits[0]!.outputTail = [HOSTILE_TEXT];
    report.tool.version = HOSTILE_TEXT;
    report.configFile = HOSTILE_TEXT;
    const out = renderHtml(report);
    // The page's own script is the only one.
    expect(out.match(/<script/gi)).toHaveLength(1);
    expect(out).not.toMatch(/<img|<\/td><img/i);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot; &#39;single&#39; &amp; &lt;/td&gt;');
    const page = parse(out);
    const row = page.all('tr', 'check').find((r) => r.attrs['data-check-id'] === `x${HOSTILE_TEXT}`)!;
    expect(row.attrs.id).toBe(`check-x${HOSTILE_TEXT}`);
    expect(row.children.map((c) => c.text).slice(1)).toEqual([`x${HOSTILE_TEXT}`, HOSTILE_TEXT, 'required', HOSTILE_TEXT]);
    expect(page.all('rect', 'phase')[0]!.attrs['data-phase']).toBe(HOSTILE_TEXT);
    expect(page.all('pre')[0]!.text).toBe(HOSTILE_TEXT);
    expect(page.all('dl', 'facts')[0]!.children.map((c) => c.text).slice(-2)).toEqual(['config', HOSTILE_TEXT]);
    expect(page.every.filter((el) => el.tag === 'img')).toEqual([]);
    expect(page.every.filter((el) => el.tag === 'script').map((el) => el.attrs)).toEqual([{}]);
  });

  it('keeps characters as they were and replaces only a control character HTML forbids', () => {
    const row = all('tr', 'check').find((r) => r.attrs['data-check-id'] === 'token.not-in-url')!;
    expect(row.children[4]!.text).toBe(TRICKY_SUMMARY.replace('\u001b', '\uFFFD'));
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  });

  it('is self-contained: one inline script the CSP allows by its hash, and no src or href other than a # anchor', () => {
    expect(every.filter((el) => el.tag === 'link' || el.tag === 'img' || el.tag === 'iframe')).toEqual([]);
    const scripts = every.filter((el) => el.tag === 'script');
    expect(scripts.map((s) => s.attrs)).toEqual([{}]);
    const csp = every.find((el) => el.tag === 'meta' && el.attrs['http-equiv'] === 'Content-Security-Policy')!.attrs.content!;
    const body = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(csp).toBe(`default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${createHash('sha256').update(body).digest('base64')}'`);
    const refs = every.flatMap((el) => Object.entries(el.attrs).filter(([name]) => /^(src|href|xlink:href|srcset|action)$/.test(name)).map(([, v]) => v));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref).toMatch(/^#/);
    const css = all('style').map((s) => s.text).join('');
    expect(css).not.toMatch(/url\(|@import|https?:/);
    // The delivery URL is shown as text only.
    expect(html).not.toMatch(/(src|href)=["']?https?:/i);
  });

  it('renders a report with no phases, no checks and no exits', () => {
    const empty: Report = {
      ...reportFixture(),
      durationSeconds: 0,
      phases: [],
      checks: [],
      integration: { command: [], exits: [] },
      totals: { pass: 0, fail: 0, warn: 0, 'not-applicable': 0, inconclusive: 0 },
    };
    const page = parse(renderHtml(empty));
    expect(page.all('tr', 'check')).toEqual([]);
    expect(page.all('rect', 'phase')).toEqual([]);
    expect(page.all('section').find((s) => s.attrs.id === 'timeline')!.text).toContain('No phase ran');
    const ticksOnly = parse(renderHtml({ ...reportFixture(), durationSeconds: 0, phases: [] }));
    expect(ticksOnly.all('line', 'tick')).toHaveLength(17);
    for (const t of ticksOnly.all('line', 'tick')) expect(t.attrs.x1).toMatch(/^\d+(\.\d+)?%$/);
  });
});

describe('renderHtml: the run’s traffic', () => {
  const marks: TrafficMark[] = [
    { at: 1, outcome: '2xx', seq: 12, token: true },
    { at: 2, outcome: '429', seq: 40 },
    { at: 3, outcome: 'reset', seq: 41, fault: true },
  ];
  const report: Report = {
    ...timedFixture(),
    traffic: {
      cap: 5000,
      lanes: [
        trafficLane('test', 'requests', marks, { spanSeconds: 84.2 }),
        trafficLane('production', 'requests', [{ at: 3.5, outcome: '2xx', seq: 13 }], { spanSeconds: 84.2 }),
        trafficLane('tls:expired', 'requests', Array.from({ length: 3 }, (_, i): TrafficMark => ({ at: 10 + i, outcome: i ? '2xx' : '401', seq: 100 + i, ...(i === 2 ? { token: true as const } : {}) })), { spanSeconds: 84.2, cap: 2 }),
        trafficLane('webhooks', 'deliveries', [{ at: 9.1, outcome: '2xx', seq: 4 }, { at: 19.4, outcome: 'hang', seq: 5, fault: true }], { spanSeconds: 84.2 }),
      ],
    },
  };
  const { all } = parse(renderHtml(report));
  const lane = (name: string) => all('tr', 'lane-row').find((r) => r.attrs['data-lane'] === name)!;
  const uses = (el: El): El[] => [el, ...el.children.flatMap(uses)].filter((e) => e.tag === 'use');
  const find = (el: El, tag: string): El[] => [el, ...el.children.flatMap((c) => find(c, tag))].filter((e) => e.tag === tag);

  it('draws a lane per run and one for the webhooks, each headed by its counts in words', () => {
    expect(all('tr', 'lane-row').map((r) => [r.attrs['data-lane'], r.children[0]!.text])).toEqual([
      ['test', 'test 3 requests2xx 1 · 429 1 · reset 1 · 1 token request · 1 injected fault'],
      ['production', 'production 1 request2xx 1'],
      ['tls:expired', 'tls:expired 3 requests2xx 2 · 401 1 · 1 token requestcounted per 0.5 s (more than 5,000)'],
      ['webhooks', 'webhooks 2 deliveries2xx 1 · hang 1 · 1 injected fault'],
    ]);
  });

  it('shapes each mark by its outcome, token requests on the upper row and injected faults ringed', () => {
    expect(uses(lane('test')).map((u) => [u.attrs.href, u.attrs.x, u.attrs.y])).toEqual([
      ['#g-2xx', '1.188%', '11'],
      ['#g-429', '2.375%', '29'],
      ['#g-resetf', '3.563%', '29'],
    ]);
    // Every glyph is defined once, with its fault variant, and named in the legend.
    const defined = all('path').map((p) => p.attrs.id);
    expect(defined).toEqual(['g-2xx', 'g-401', 'g-403', 'g-429', 'g-5xx', 'g-reset', 'g-hang', 'g-other']);
    expect(all('ul', 'legend-outcomes')[0]!.children.map((li) => li.attrs['data-outcome'])).toEqual([...defined.map((id) => id!.slice(2)), 'fault']);
  });

  it('counts a lane above the cap in a row per outcome, each cell saying how many', () => {
    const cells = find(lane('tls:expired'), 'rect').filter((r) => (r.attrs.class ?? '').startsWith('cell'));
    expect(cells.map((c) => [c.attrs.class, c.children[0]!.text])).toEqual([
      ['cell o-2xx', '2xx: 1 from 11 s to 11.5 s'],
      ['cell o-2xx', '2xx: 1 from 12 s to 12.5 s'],
      ['cell o-401', '401: 1 from 10 s to 10.5 s'],
      ['cell o-token', 'token: 1 from 12 s to 12.5 s'],
    ]);
    expect(find(lane('tls:expired'), 'text').map((t) => t.text)).toEqual(['2xx', '401', 'token']);
  });

  it('rings the evidence of a check that needs a look on its lane, linked to the check; a passing check’s is not', () => {
    const rings = all('circle', 'hl');
    expect(rings.filter((c) => c.attrs['data-check-id'] === 'token.cached-and-reused')).toHaveLength(14);
    // Found by its seq on the test lane's upper row: a token request.
    expect(find(lane('test'), 'circle').find((c) => c.attrs['data-seq'] === '12')!.attrs.cy).toBe('11');
    expect(find(lane('production'), 'circle').map((c) => c.attrs['data-seq'])).toEqual(['13']);
    expect(find(lane('webhooks'), 'circle').filter((c) => c.attrs.class?.startsWith('hl')).map((c) => c.attrs['data-seq'])).toEqual(['4', '5']);
    expect(rings.some((c) => c.attrs['data-check-id'] === 'token.tls-verified')).toBe(false);
    expect(all('a', 'show-on-timeline').map((a) => a.attrs['data-check-id'])).toEqual(['token.cached-and-reused', 'webhooks.idempotent', 'errors.jitter-on-429']);
  });

  it('lays the phases behind every lane as bands a click zooms into', () => {
    for (const row of all('tr', 'lane-row')) {
      expect(find(row, 'rect').filter((r) => (r.attrs.class ?? '').startsWith('band')).map((b) => [b.attrs['data-phase'], b.attrs.x])).toEqual([
        ['steady', '1.425%'],
        ['forbidden', '13.302%'],
      ]);
    }
    expect(all('button', 'zoom').map((b) => b.attrs['data-phase'])).toEqual(['steady', 'forbidden']);
  });
});

describe('escapeHtml', () => {
  it('escapes the five characters and nothing else', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp; é</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp; é&lt;/a&gt;');
  });
});
