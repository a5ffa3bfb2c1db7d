import pc from 'picocolors';
import { GoliveError } from '../../../errors.ts';
import { type MockServer, type Profile, PROFILES, createMockServer, getProfile } from '../../../mock-server/index.ts';
import { SCENARIOS } from '../../../scenarios/index.ts';
import { createScenarioController } from '../../runner/scenario-controller.ts';
import { findScenario } from '../../runner/scenario.ts';
import type { ExitCode } from '../main.ts';
import { byteSizeFlag, intFlag } from '../flags.ts';

interface ServeFlags {
  profile?: string;
  port?: unknown;
  adminPort?: unknown;
  seed?: unknown;
  dataScale?: unknown;
  journalBytes?: unknown;
  tenants?: unknown;
  tls?: boolean;
  json?: boolean;
  scenario?: string;
  rateLimits?: boolean;
  rateLimitHeaders?: boolean;
}

/** The profile `--profile` names, or a usage error that lists the known ones. */
function getProfileFlag(name: string | undefined): Profile {
  if (name === undefined || PROFILES[name]) return getProfile(name);
  throw new GoliveError('GOLIVE_ERR_USAGE', `--profile: "${name}" is not a known profile (known: ${Object.keys(PROFILES).join(', ')})`);
}

/** `golive serve`: run the simulated API until Ctrl-C. */
export default async function serve(flags: ServeFlags): Promise<ExitCode> {
  const profile = getProfileFlag(flags.profile);
  const tenants = flags.tenants === undefined ? undefined : String(flags.tenants).split(',').map((t) => t.trim()).filter(Boolean);
  const dataScale = intFlag('--data-scale', flags.dataScale, 1);
  const journalBytes = byteSizeFlag('--journal-bytes', flags.journalBytes, 1);
  // With --json, stdout carries exactly one line; everything for people goes to stderr.
  const say = (text: string) => (flags.json ? process.stderr : process.stdout).write(`${text}\n`);
  const scenarioToRun = flags.scenario ? await findScenario(flags.scenario, SCENARIOS) : undefined;
  const known = scenarioToRun && !SCENARIOS.includes(scenarioToRun) ? [...SCENARIOS, scenarioToRun] : SCENARIOS;
  let mockRef: MockServer | undefined;
  const scenarios = createScenarioController(
    () => mockRef!,
    known,
    () => mockRef?.demoUser?.clientId,
    {
      onPhase: (s, phase, index, remainingMs) =>
        say(`${pc.cyan(`[${s.name} ${index + 1}/${s.phases.length}]`)} ${pc.bold(phase.name)}: ${phase.description} (${Math.round(remainingMs / 1000)} s left)`),
      onEnd: (s, completed) => say(`${pc.cyan(`[${s.name}]`)} ${completed ? 'finished' : 'stopped'}`),
      onRotated: (u) => say(`${pc.cyan('[rotation]')} new API user: clientId ${u.clientId}, clientSecret ${u.clientSecret}`),
    },
  );
  const mock = await createMockServer({
    profile,
    scenarios,
    ...(flags.rateLimits === false ? { rateLimits: false as const } : flags.rateLimitHeaders ? { rateLimits: { headers: true } } : {}),
    port: intFlag('--port', flags.port, 0, 65535) ?? 0,
    adminPort: intFlag('--admin-port', flags.adminPort, 0, 65535) ?? 0,
    seed: intFlag('--seed', flags.seed, 0) ?? 1,
    ...(dataScale === undefined ? {} : { dataScale }),
    ...(tenants ? { tenants } : {}),
    ...(journalBytes === undefined ? {} : { journal: { maxBytes: journalBytes } }),
    tls: flags.tls !== false,
  });
  const user = mock.demoUser!;
  if (flags.json) {
    const line = {
      apiUrl: mock.apiUrl,
      environments: mock.environments,
      tenants: mock.tenants,
      adminUrl: mock.adminUrl,
      adminToken: mock.adminToken,
      consoleUrl: mock.consoleLink(),
      caCert: mock.caCertPath,
      apiUser: { clientId: user.clientId, clientSecret: user.clientSecret, name: user.name, roles: user.roles, stores: user.stores, markets: user.markets },
      platformSecrets: Object.fromEntries(mock.platform.secrets.map(({ name }) => [name, mock.platformSecret(name)])),
      ...(mock.webhookSecret() === null ? {} : { webhookSecret: mock.webhookSecret() }),
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
  mockRef = mock;
  say(`${pc.bold('golive')} simulated ${mock.platform.title} API is up`);
  say(`  API (test)        ${mock.environments.test.apiUrl}`);
  say(`  API (production)  ${mock.environments.production.apiUrl}`);
  for (const t of mock.tenants.slice(1)) say(`  tenant ${t.id}: test ${t.environments.test.apiUrl}, production ${t.environments.production.apiUrl}`);
  say(`  admin API         ${mock.adminUrl}  (Authorization: Bearer ${mock.adminToken})`);
  say(`  console           ${mock.consoleLink()}  (open it in a browser: the link signs in once)`);
  if (mock.caCertPath) say(`  CA certificate    ${mock.caCertPath}  (export NODE_EXTRA_CA_CERTS / SSL_CERT_FILE to trust it)`);
  say(`  demo API user     ${user.name}: clientId ${user.clientId}`);
  say(`                    clientSecret ${user.clientSecret}`);
  // The platform's own secrets (Omneo's Shopify id secret), for the test environment: like the demo secret, for the user's own use.
  for (const { name } of mock.platform.secrets) say(`  ${name.padEnd(17)} ${mock.platformSecret(name)}  (test environment)`);
  const webhookSecret = mock.webhookSecret();
  if (webhookSecret !== null) say(`  webhook secret    ${webhookSecret}  (test environment: deliveries are signed with it)`);
  if (flags.rateLimits === false) say('  rate limits       off');
  say(pc.dim('Press Ctrl-C to stop.'));
  if (scenarioToRun) {
    say(`${pc.cyan(`[${scenarioToRun.name}]`)} ${scenarioToRun.summary}`);
    say(`${pc.cyan(`[${scenarioToRun.name}]`)} a good client: ${scenarioToRun.expect}`);
    await scenarios.start(scenarioToRun.name);
  }

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  say('stopping…');
  await scenarios.stop();
  await mock.close();
  return 0;
}
