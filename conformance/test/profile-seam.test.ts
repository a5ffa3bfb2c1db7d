import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { notes } from '../../mock-server/test/fixtures/notes-profile.ts';
import type { Report } from '../../reports/model.ts';
import type { GoliveConfig } from '../config/define.ts';
import { configSchema } from '../config/schema.ts';
import { certify } from '../runner/certify.ts';
import { TEST_TIMINGS, verdicts } from './harness.ts';

// Certifies an integration of a platform the engine has never heard of (the throwaway Notes
// profile: an X-API-KEY header, no token endpoint, no stores, no events): every check that
// does not need tokens, scopes or webhooks is judged on its traffic, and a break fails its check.

const POLLER = fileURLToPath(new URL('./fixtures/notes-poller.mjs', import.meta.url));

async function certifyPoller(env: Record<string, string> = {}, webhook = false): Promise<Report> {
  const dir = await mkdtemp(join(tmpdir(), 'golive-notes-'));
  await copyFile(POLLER, join(dir, 'poller.mjs'));
  try {
    // The Notes profile is not registered: the config is parsed with the default profile's
    // defaults, then given the Notes roles; certify takes the profile itself.
    const parsed = configSchema.parse({ integration: { readyWhen: 'ready' }, apiUser: { name: 'Notes Sync to ERP (golive profile test)' }, ...(webhook ? { webhook: {} } : {}) });
    const config: GoliveConfig = {
      ...parsed,
      profile: 'notes',
      apiUser: { ...parsed.apiUser, roles: ['notes:read'] },
      integration: { ...parsed.integration, command: ['node', 'poller.mjs'], cwd: dir, env },
      workspace: dir,
    };
    return await certify({ config, timings: TEST_TIMINGS, profile: notes });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const NOT_FOR_A_KEY = ['token.cached-and-reused', 'token.proactive-renewal', 'token.renew-once-on-401', 'token.secret-in-body'];
const NO_SCOPES_FRONT_END_OR_WEBHOOKS = ['credentials.store-market-scoping', 'token.not-in-browser', 'webhooks.https', 'webhooks.idempotent', 'webhooks.out-of-order', 'webhooks.responds-in-time', 'webhooks.validates-auth', 'webhooks.ignores-unknown-events'];
const ONE_TENANT = ['tenancy.token-per-tenant'];
// Its keys are refused at once after a rotation: no overlap window to switch in.
const NO_OVERLAP = ['rotation.survives-key-rotation'];
// It marks no endpoint deprecated, and its config does not say it reads RateLimit headers.
const NOTHING_DEPRECATED_NO_RATELIMIT_HEADERS = ['data.no-deprecated-endpoints', 'errors.ratelimit-pause'];

describe('certify on a throwaway profile', () => {
  it.concurrent('judges every check that applies on the traffic of a well-behaved API-key integration, and skips the token phases', async () => {
    const report = await certifyPoller();
    const v = verdicts(report);
    // errors.jitter-on-429 is advisory and its two-storm comparison can warn by chance (see certify.test.ts).
    const byChance = (c: { id: string; verdict: string }) => c.id === 'errors.jitter-on-429' && c.verdict === 'warn';
    const failing = report.checks.filter((c) => c.verdict !== 'pass' && c.verdict !== 'not-applicable' && !byChance(c)).map((c) => `${c.id}: ${c.verdict}: ${c.summary}`);
    expect(failing).toEqual([]);
    expect(Object.keys(v).filter((id) => v[id] === 'not-applicable').sort()).toEqual([...NOT_FOR_A_KEY, ...NO_SCOPES_FRONT_END_OR_WEBHOOKS, ...ONE_TENANT, ...NO_OVERLAP, ...NOTHING_DEPRECATED_NO_RATELIMIT_HEADERS].sort());
    expect(report.phases.map((p) => p.name)).not.toContain('revoked-token');
    expect(report.phases.map((p) => p.name)).toContain('missing-role');
    expect(JSON.stringify(report)).not.toMatch(/nk_[A-Za-z0-9_-]{20,}/);
  }, 240_000);

  it.concurrent('takes a poller that sends a given-up request again on its next round for one that gave it up (errors.network-retry-bounded)', async () => {
    const report = await certifyPoller({ ONE_PAGE: '1' });
    const check = report.checks.find((c) => c.id === 'errors.network-retry-bounded')!;
    expect(`${check.verdict}: ${check.summary}`).toMatch(/^pass: Resets and 5xx were retried \(\d+ attempts of GET \/v1\/notes, at most 10\)/);
    expect(check.evidence).toContainEqual(expect.objectContaining({ kind: 'note', text: expect.stringMatching(/again with its waits starting over/) }));
  }, 240_000);

  it.concurrent('refuses a webhook section for a platform that sends no events, before starting anything', async () => {
    await expect(certifyPoller({}, true)).rejects.toThrow('webhook: Notes sends no events');
  });

  it.concurrent('fails errors.no-retry-on-403, and only that check, when the integration repeats a refused request', async () => {
    const report = await certifyPoller({ BREAK: 'retry-403' });
    const failing = report.checks.filter((c) => c.verdict === 'fail').map((c) => c.id);
    expect(failing).toEqual(['errors.no-retry-on-403']);
    expect(report.checks.find((c) => c.id === 'errors.no-retry-on-403')!.summary).toMatch(/repeated 3 time/);
  }, 240_000);
});
