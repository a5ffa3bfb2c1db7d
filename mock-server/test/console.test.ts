import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStream } from '../admin/stream.ts';
import type { MockControl } from '../control.ts';
import { createJournal, type JournalEntry } from '../journal/journal.ts';
import { createSessions, crossSiteReason, SESSION_TTL_MS, CODE_TTL_MS } from '../admin/session.ts';
import { createFeed } from '../journal/feed.ts';
import { type MockServer, createMockServer } from '../server.ts';
import { tokenFor, trustingFetch } from './client.ts';

let mock: MockServer;
let call: ReturnType<typeof trustingFetch>;
let origin: string;

beforeAll(async () => {
  mock = await createMockServer({ dataScale: 20 });
  call = trustingFetch(mock.caCertPath!);
  origin = mock.adminUrl;
});
afterAll(async () => {
  await call.close();
  await mock.close();
});

/** Signs in with a one-time code, as the page does with `consoleLink()`; returns the cookie. */
async function signIn(): Promise<string> {
  const code = new URL(mock.consoleLink()).hash.replace('#code=', '');
  const res = await fetch(`${origin}/__admin/session`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
  expect(res.status).toBe(200);
  const cookie = res.headers.get('set-cookie')!;
  expect(cookie).toMatch(/HttpOnly/);
  expect(cookie).toMatch(/SameSite=Strict/);
  return cookie.split(';')[0]!;
}

/** Reads server-sent events until `done` says enough (or 5 s pass). */
async function readEvents(cookie: string, during: () => Promise<void>, done: (events: { event: string; data: unknown }[]) => boolean) {
  const controller = new AbortController();
  const res = await fetch(`${origin}/__admin/stream`, { headers: { cookie }, signal: controller.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const events: { event: string; data: unknown }[] = [];
  let buffer = '';
  await during();
  const deadline = Date.now() + 5_000;
  while (!done(events) && Date.now() < deadline) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    buffer += new TextDecoder().decode(value);
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  controller.abort();
  return events;
}

describe('the console listener', () => {
  it('serves its page without a sign-in, with a CSP that allows only its own script and style', async () => {
    const res = await fetch(`${origin}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await res.text();
    // No inline script: the only script is the console's file.
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/console.js">']);
    expect((await fetch(`${origin}/console.js`)).headers.get('content-type')).toMatch(/javascript/);
    // Every data route still needs the token or a session.
    for (const path of ['/__admin/api-users', '/__admin/stream', '/__admin/journal', '/__admin/session']) {
      expect((await fetch(`${origin}${path}`)).status).toBe(401);
    }
  });

  it('exchanges the admin token, or a one-time code, for a session cookie; a code works once', async () => {
    const byToken = await fetch(`${origin}/__admin/session`, { method: 'POST', headers: { origin, authorization: `Bearer ${mock.adminToken}` } });
    expect(byToken.status).toBe(200);
    const wrong = await fetch(`${origin}/__admin/session`, { method: 'POST', headers: { origin, authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const code = new URL(mock.consoleLink()).hash.replace('#code=', '');
    const redeem = () => fetch(`${origin}/__admin/session`, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
    expect((await redeem()).status).toBe(200);
    expect((await redeem()).status).toBe(401);
    const cookie = await signIn();
    expect((await fetch(`${origin}/__admin/api-users`, { headers: { cookie } })).status).toBe(200);
    // Signing out ends the session.
    expect((await fetch(`${origin}/__admin/session`, { method: 'DELETE', headers: { cookie, origin } })).status).toBe(204);
    expect((await fetch(`${origin}/__admin/api-users`, { headers: { cookie } })).status).toBe(401);
  });

  it('refuses a state change riding on the cookie from another origin, or with no origin, or to another Host', async () => {
    const cookie = await signIn();
    const user = await mock.createApiUser({ name: 'CSRF target', roles: ['OrderRead'] });
    const patch = (headers: Record<string, string>) =>
      fetch(`${origin}/__admin/api-users/${user.clientId}`, { method: 'PATCH', headers: { cookie, 'content-type': 'application/json', ...headers }, body: '{"active":false}' });
    const evil = await patch({ origin: 'http://evil.example' });
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { error: string }).error).toContain('evil.example');
    expect((await patch({})).status).toBe(403);
    expect((await patch({ origin, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(mock.getApiUser(user.clientId)!.active).toBe(true);
    expect((await patch({ origin })).status).toBe(200);
    expect(mock.getApiUser(user.clientId)!.active).toBe(false);
    // A rebinding attack's Host header is not the console's.
    expect(crossSiteReason({ method: 'GET', headers: { host: 'attacker.example:80' } }, 80)).toContain('attacker.example');
    expect(crossSiteReason({ method: 'GET', headers: { host: 'localhost:8080' } }, 8080)).toBeNull();
  });

  it('rotates a secret: the new one is shown once, the old one answers 401 at once', async () => {
    const user = await mock.createApiUser({ name: 'Rotated', roles: ['OrderRead'] });
    const res = await fetch(`${origin}/__admin/api-users/${user.clientId}/rotate-secret`, { method: 'POST', headers: { authorization: `Bearer ${mock.adminToken}` } });
    const rotated = (await res.json()) as { clientSecret: string; clientSecretMasked: string };
    expect(rotated.clientSecret).not.toBe(user.clientSecret);
    await expect(tokenFor(call, mock.apiUrl, user.clientId, user.clientSecret)).rejects.toThrow();
    expect(await tokenFor(call, mock.apiUrl, user.clientId, rotated.clientSecret)).toBeTruthy();
    const listed = JSON.stringify(mock.listApiUsers());
    expect(listed).not.toContain(rotated.clientSecret);
    expect(listed).toContain(rotated.clientSecretMasked);
  });

  it('streams requests in batches, masked, with the admin actions that caused them', async () => {
    const cookie = await signIn();
    const user = await mock.createApiUser({ name: 'Streamed', roles: ['OrderRead'] });
    const token = await tokenFor(call, mock.apiUrl, user.clientId, user.clientSecret);
    const events = await readEvents(
      cookie,
      async () => {
        await fetch(`${origin}/__admin/api-users/${user.clientId}`, { method: 'PATCH', headers: { cookie, origin, 'content-type': 'application/json' }, body: '{"active":false}' });
        for (let i = 0; i < 3; i++) await call(`${mock.apiUrl}/api/Orders/1`, { headers: { authorization: `Bearer ${token}` } });
      },
      (seen) => seen.some((e) => e.event === 'requests' && (e.data as { apiUser: string; status: number }[]).some((r) => r.apiUser === user.clientId && r.status === 401)),
    );
    expect(events[0]!.event).toBe('hello');
    const actions = events.filter((e) => e.event === 'feed').map((e) => e.data as { kind: string; text: string; clientId?: string });
    expect(actions).toContainEqual({ kind: 'action', text: 'Streamed: deactivated', clientId: user.clientId });
    const refused = events.filter((e) => e.event === 'requests').flatMap((e) => e.data as { apiUser: string; status: number; denied: string }[]).filter((r) => r.apiUser === user.clientId && r.status === 401);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.denied).toContain('deactivated');
    expect(JSON.stringify(events)).not.toContain(token);
    expect(JSON.stringify(events)).not.toContain(user.clientSecret);
  });

  it('gives one journal entry in full for the details view', async () => {
    const last = mock.journal.lastSeq;
    const res = await fetch(`${origin}/__admin/journal/${last}`, { headers: { authorization: `Bearer ${mock.adminToken}` } });
    expect(((await res.json()) as { seq: number }).seq).toBe(last);
    expect((await fetch(`${origin}/__admin/journal/999999999`, { headers: { authorization: `Bearer ${mock.adminToken}` } })).status).toBe(404);
  });
});

describe('console sessions', () => {
  it('expire: a session after its lifetime, a code after its own', () => {
    let now = 0;
    const sessions = createSessions(() => now);
    const id = sessions.open();
    const code = sessions.code();
    expect(sessions.valid(id)).toBe(true);
    now = CODE_TTL_MS + 1;
    expect(sessions.redeem(code)).toBeNull();
    expect(sessions.valid(id)).toBe(true);
    now = SESSION_TTL_MS + 1;
    expect(sessions.valid(id)).toBe(false);
    expect(sessions.valid(undefined)).toBe(false);
  });
});

describe('the console feed', () => {
  it('lets a console that connects late catch up: the plan, its verdicts so far, the phase', () => {
    const feed = createFeed();
    feed.publish({ kind: 'plan', title: 't', phases: [{ name: 'steady', description: 'd', durationMs: 1 }], checks: [{ id: 'a', title: 'A', required: true, verdict: 'pending' }] });
    feed.publish({ kind: 'phase', index: 0, endsAt: 5 });
    feed.publish({ kind: 'verdict', check: { id: 'a', title: 'A', required: true, verdict: 'fail', summary: 'why' } });
    const kinds = feed.snapshot().map((e) => e.kind);
    expect(kinds).toEqual(['plan', 'verdict', 'phase']);
    // A new plan starts over.
    feed.publish({ kind: 'plan', title: 'u', phases: [], checks: [] });
    expect(feed.snapshot().map((e) => e.kind)).toEqual(['plan']);
  });

  it('keeps a broken subscriber from costing the others their events', () => {
    const feed = createFeed();
    const seen: string[] = [];
    feed.subscribe(() => {
      throw new Error('broken');
    });
    feed.subscribe((e) => seen.push(e.kind));
    feed.publish({ kind: 'action', text: 'x' });
    expect(seen).toEqual(['action']);
  });
});

describe('the console stream', () => {
  it('delivers what was published just before the listener closes, then ends', async () => {
    const own = await createMockServer({ tls: false, rateLimits: false, dataScale: 5 });
    const res = await fetch(`${own.adminUrl}/__admin/stream`, { headers: { authorization: `Bearer ${own.adminToken}` } });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    // The hello comes once the stream is subscribed.
    let text = decoder.decode((await reader.read()).value);
    own.feed.publish({ kind: 'verdict', check: { id: 'last.check', title: 'Last', required: true, verdict: 'warn', summary: 's' } });
    await fetch(`${own.apiUrl}/api/Orders/1`);
    await own.close();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value);
    expect(text).toContain('"last.check"');
    // The refused request was still in a batch when the close began.
    expect(text).toMatch(/event: requests\ndata: .*"status":401/);
  });

  it('holds at most maxPending requests for a client that cannot keep up, then says how many it dropped', async () => {
    const journal = createJournal();
    const written: string[] = [];
    let accepting = false;
    const raw = Object.assign(new EventEmitter(), {
      destroyed: false,
      write(chunk: string) {
        written.push(chunk);
        return accepting;
      },
    }) as unknown as ServerResponse;
    const control = {
      journal,
      platform: { name: 'p', title: 'P', permissions: { noun: 'role' }, scoped: false, sampleEvent: null, webhookAuth: { kind: 'header' } },
      webhooks: { log: () => [] },
    } as unknown as MockControl;
    const stream = openStream(raw, control, createFeed(), () => () => {}, { flushMs: 5, maxPending: 10 });
    try {
      // The hello was refused by a full socket: nothing more is written until it drains.
      const entry = (seq: number) => ({ seq, mono: seq, time: '', apiUser: 'u', method: 'GET', path: '/x', status: 200, tokenRequest: false, denied: null, retryAfter: null, latencyMs: 1, listener: 'api', transport: 'http', aborted: false, fault: null }) as unknown as JournalEntry;
      for (let i = 1; i <= 25; i++) journal.record(entry(i));
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(written.filter((w) => w.startsWith('event: requests'))).toEqual([]);
      accepting = true;
      (raw as unknown as EventEmitter).emit('drain');
      await vi.waitFor(() => expect(written.some((w) => w.startsWith('event: requests'))).toBe(true));
      const dropped = written.find((w) => w.startsWith('event: dropped'))!;
      expect(JSON.parse(dropped.split('data: ')[1]!)).toEqual({ count: 15 });
      const sent = JSON.parse(written.find((w) => w.startsWith('event: requests'))!.split('data: ')[1]!) as { seq: number }[];
      expect(sent.map((r) => r.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    } finally {
      stream.stop();
    }
  });
});
