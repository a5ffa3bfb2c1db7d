import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { CreatedApiUser, MockServer } from '../../mock-server/index.ts';
import type { Report, Verdict } from '../../reports/model.ts';
import type { GoliveConfig } from '../config/define.ts';
import { loadConfig } from '../config/load.ts';
import { type SecretScanner, createSecretScanner } from '../observe/secrets.ts';
import { certify } from '../runner/certify.ts';
import { type IntegrationProcess, startIntegration } from '../runner/process.ts';
import type { Timings } from '../runner/plan.ts';

/** Shorter still than `--fast`: the phases only need a few polls each. */
export const TEST_TIMINGS: Timings = {
  steadyMs: 2_500,
  // Room for a slow first call; an integration that calls only when an event comes waits all of it.
  steadyMaxMs: 8_000,
  revokedMs: 2_000,
  shortTokenSeconds: 4,
  shortLivedMs: 9_000,
  observeWindowMs: 4_000,
  // Room for a fresh instance to start and call on a loaded machine (php-curl once made no call within 4 s).
  rotationMs: 6_000,
  tenantsMs: 8_000,
  productionMs: 2_000,
  retryAfterSeconds: 1,
  retryAfterStormMs: 8_000,
  bareStormMs: 10_000,
  forbiddenMs: 2_500,
  forbiddenWaitMs: 10_000,
  networkMs: 25_000,
  networkQuietMs: 2_000,
  tlsRunMs: 2_500,
  webhookMs: 25_000,
  webhookSettleMs: 500,
  webhookQuietMs: 300,
  frontendMs: 20_000,
  malformedMs: 10_000,
  // Past the kernel's buffers on loopback (a few MB), so a client that stops reading is seen doing so.
  malformedBodyBytes: 8_000_000,
  // Five calls of a 0.6 s backoff, not four: the outage is its lane's first phase, and a fresh
  // process's first retry may come half a second late, which four calls cannot outgrow.
  outageMs: 8_000,
  recoveryMs: 12_000,
  rateLimitResetSeconds: 2,
  rateLimitPauseMs: 5_000,
};

/**
 * Every phase at a second or two: for runs about the harness itself (stopping a hung process,
 * a crash), where what the phases would judge does not matter and each phase lasts its bound.
 */
export const BRIEF_TIMINGS: Timings = Object.fromEntries(
  Object.entries(TEST_TIMINGS).map(([key, value]) => [key, key === 'shortTokenSeconds' || key === 'retryAfterSeconds' || key === 'malformedBodyBytes' ? value : Math.min(value, 1_500)]),
) as unknown as Timings;

export const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/**
 * Certifies a fixture script of `conformance/test/fixtures` (run by node, from an empty folder)
 * in-process; `tweak` adjusts its config. Quick to stop (0.3 s grace) and to give up on readiness (3 s).
 */
export async function certifyFixture(
  script: string,
  readyWhen?: string,
  timings: Timings = TEST_TIMINGS,
  env: Record<string, string> = {},
  tweak: (config: GoliveConfig) => GoliveConfig = (c) => c,
): Promise<Report> {
  const dir = await mkdtemp(join(tmpdir(), 'golive-fixture-'));
  const loaded = await loadConfig({ cwd: dir, commandOverride: ['node', join(FIXTURES, script)] });
  const config = { ...loaded, integration: { ...loaded.integration, env: { ...loaded.integration.env, ...env } } };
  const withReady = readyWhen ? { ...config, integration: { ...config.integration, readyWhen: { log: readyWhen } } } : config;
  return certify({ config: tweak({ ...withReady, timeouts: { ...withReady.timeouts, killGraceMs: 300, readyMs: 3_000 } }), timings });
}

/** Loads an example's config and certifies it in-process with test timings. */
export async function certifyExample(
  example: string,
  tweak: (config: GoliveConfig) => GoliveConfig = (c) => c,
  timings: Timings = TEST_TIMINGS,
): Promise<Report> {
  // A copy per run: concurrent runs must not see each other's files (a break switch writes some).
  const copy = await mkdtemp(join(tmpdir(), `golive-${example}-`));
  await cp(join(EXAMPLES, example), copy, { recursive: true });
  try {
    const config = await loadConfig({ cwd: copy });
    return await certify({ config: tweak(config), timings });
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

/** The example's config with extra environment for the integration. */
export const withEnv =
  (env: Record<string, string>) =>
  (config: GoliveConfig): GoliveConfig => ({ ...config, integration: { ...config.integration, env: { ...config.integration.env, ...env } } });

export function verdicts(report: Report): Record<string, Verdict> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.verdict]));
}

/**
 * A check's verdict, summary and evidence notes and metrics, one per line: the message of an
 * end-to-end assertion on it, so a failure (often a timing one, on a loaded CI machine) says what was seen.
 */
export function explained(report: Report, id: string): string {
  const c = report.checks.find((x) => x.id === id);
  if (!c) return `${id}: not in the report`;
  const lines = c.evidence.flatMap((e) => (e.kind === 'note' ? [e.text] : e.kind === 'metric' ? [`${e.name}: ${e.value}${e.unit ? ` ${e.unit}` : ''}`] : []));
  return [`${id}: ${c.verdict}: ${c.summary}`, ...lines.map((l) => `  ${l}`)].join('\n');
}

/** A port nothing listens on now: one the OS gave, then closed. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** An example started as its own process against `mock` as `user`, with the contract's variables and `env` (await `.ready`). */
export function startExample(example: string, mock: MockServer, user: CreatedApiUser, env: Record<string, string>, scanner: SecretScanner = createSecretScanner()): IntegrationProcess {
  return startIntegration({
    command: ['node', 'app.mjs'],
    cwd: join(EXAMPLES, example),
    env: {
      OMNIUM_API_URL: mock.apiUrl,
      OMNIUM_CLIENT_ID: user.clientId,
      OMNIUM_CLIENT_SECRET: user.clientSecret,
      NODE_EXTRA_CA_CERTS: mock.caCertPath!,
      ...env,
    },
    readyWhen: { log: 'ready' },
    readyTimeoutMs: 15_000,
    killGraceMs: 2_000,
    maxOutputBytes: 1 << 20,
    scanner,
  });
}
