import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.ts';
import { certify } from '../runner/certify.ts';
import { TEST_TIMINGS } from './harness.ts';

/**
 * End to end: an integration whose webhook effect lives outside the mock (a file of its own),
 * judged through its side-effect probe (config webhook.idempotencyProbe), with --only so just
 * the steady and webhook phases run.
 */
const FIXTURE = fileURLToPath(new URL('./fixtures/bookings.mjs', import.meta.url));

describe('webhooks.idempotent with a side-effect probe', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  // A folder per run: the two run at once, and each books into its own file.
  const run = async (dedupe: '1' | '0' | '409') => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-bookings-'));
    dirs.push(dir);
    await cp(FIXTURE, join(dir, 'bookings.mjs'));
    const config = await loadConfig({ cwd: dir, commandOverride: ['node', 'bookings.mjs'] });
    return certify({
      config: {
        ...config,
        integration: { ...config.integration, env: { DEDUPE: dedupe } },
        webhook: { path: '/hooks', auth: 'bearer', header: 'Authorization', timeoutMs: 10_000, idempotencyProbe: 'cat bookings.json' },
      },
      timings: TEST_TIMINGS,
      only: ['webhooks.idempotent'],
    });
  };

  it.concurrent('passes a receiver that books each event once, by what its probe prints', async () => {
    const report = await run('1');
    expect(report.phases.map((p) => p.name)).toEqual(['steady', 'webhooks']);
    const check = report.checks.find((c) => c.id === 'webhooks.idempotent')!;
    expect(check.verdict, check.summary).toBe('pass');
    expect(check.summary).toMatch(/the mock's data and the side-effect probe's output/);
  });

  it.concurrent('fails a receiver that books a redelivered event again, with the probe output diff', async () => {
    const report = await run('0');
    const check = report.checks.find((c) => c.id === 'webhooks.idempotent')!;
    expect(check.verdict, check.summary).toBe('fail');
    expect(check.summary).toMatch(/probe output count: 1 → 4/);
    expect(check.evidence).toContainEqual(expect.objectContaining({ kind: 'change', where: 'probe', field: 'count', before: 1, after: 4 }));
  });

  it.concurrent('fails a receiver that books once but refuses the duplicates with 409 (the platform would send them again)', async () => {
    const report = await run('409');
    const check = report.checks.find((c) => c.id === 'webhooks.idempotent')!;
    expect(check.verdict, check.summary).toBe('fail');
    expect(check.summary).toMatch(/answered 409, not 2xx/);
  });
});

/**
 * Security-tests.md case 93, end to end: a delivery correctly signed over a body laid out unlike
 * the platform's JSON. The Omneo example checks its HMAC over the bytes received and accepts
 * it; the same example told to hash JSON parsed and serialised again refuses it, and fails.
 */
describe('webhooks.validates-auth with a body laid out unlike the platform', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const example = fileURLToPath(new URL('../../examples/omneo-node/', import.meta.url));

  const run = async (hmacOver: 'raw' | 'parsed') => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-omneo-hmac-'));
    dirs.push(dir);
    await cp(example, dir, { recursive: true });
    const { frontend: _storefront, ...config } = await loadConfig({ cwd: dir });
    return certify({
      config: { ...config, integration: { ...config.integration, env: { ...config.integration.env, POLL_INTERVAL_MS: '250', GOLIVE_EXAMPLE_HMAC_OVER: hmacOver } } },
      timings: TEST_TIMINGS,
      only: ['webhooks.validates-auth'],
    });
  };

  it.concurrent('passes a receiver that verifies the bytes it received', async () => {
    const check = (await run('raw')).checks.find((c) => c.id === 'webhooks.validates-auth')!;
    expect(check.verdict, check.summary).toBe('pass');
    expect(check.summary).toMatch(/laid out unlike the platform's JSON got 202/);
  });

  it.concurrent('fails a receiver that hashes re-serialised JSON', async () => {
    const check = (await run('parsed')).checks.find((c) => c.id === 'webhooks.validates-auth')!;
    expect(check.verdict, check.summary).toBe('fail');
    expect(check.summary).toMatch(/laid out unlike the platform's own JSON .* got 401: the signature must be computed over the raw body as received/);
  });
});

/**
 * Security-tests.md case 96, end to end: a slow downstream. While the first delivery waits for
 * its answer, golive slows the calls about the event's object to the connector timeout (5 s
 * here); a receiver that makes its follow-up call before answering cannot answer in time, and
 * one that answers first is not slowed at all.
 */
describe('webhooks.responds-in-time with a slow downstream', () => {
  const followUp = fileURLToPath(new URL('./fixtures/follow-up.mjs', import.meta.url));
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  const run = async (work: 'before' | 'after') => {
    const dir = await mkdtemp(join(tmpdir(), 'golive-follow-up-'));
    dirs.push(dir);
    await cp(followUp, join(dir, 'follow-up.mjs'));
    const config = await loadConfig({ cwd: dir, commandOverride: ['node', 'follow-up.mjs'] });
    return certify({
      config: {
        ...config,
        integration: { ...config.integration, env: { WORK: work }, readyWhen: { log: 'listening' } },
        webhook: { path: '/hooks', auth: 'bearer', header: 'Authorization', timeoutMs: 5_000 },
      },
      timings: TEST_TIMINGS,
      only: ['webhooks.responds-in-time'],
    });
  };

  it.concurrent('fails a receiver that calls the API before it answers, naming the call golive slowed', async () => {
    const report = await run('before');
    const check = report.checks.find((c) => c.id === 'webhooks.responds-in-time')!;
    expect(check.verdict, check.summary).toBe('fail');
    expect(check.summary).toMatch(/within the 5000 ms timeout/);
    expect(check.summary).toContain('It made 1 API call(s) about the event before answering, which golive slowed by 5000 ms');
    expect(check.evidence).toContainEqual(expect.objectContaining({ kind: 'request', method: 'GET', path: expect.stringMatching(/^\/api\/Orders\//), note: 'made before the endpoint answered, slowed by 5000 ms (a slow downstream)' }));
  });

  it.concurrent('passes a receiver that answers first and calls the API afterwards, unslowed', async () => {
    const report = await run('after');
    const check = report.checks.find((c) => c.id === 'webhooks.responds-in-time')!;
    expect(check.verdict, check.summary).toBe('pass');
    // Its call came after its answer: no request of the run met the slow-downstream fault.
    expect(report.traffic!.lanes.filter((l) => l.kind === 'requests').flatMap((l) => l.marks ?? []).filter((m) => m.fault)).toEqual([]);
  });
});
