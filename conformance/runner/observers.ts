import type { BadTlsKind, CreatedApiUser, MockServer } from '../../mock-server/index.ts';
import type { Observations, PhaseRecord, SecretSighting } from '../checks/observations.ts';
import type { GoliveConfig } from '../config/define.ts';
import type { SecretScanner } from '../observe/secrets.ts';
import { scanWorkspace } from '../observe/workspace.ts';
import { type Run, instancesOf } from './integration-runs.ts';
import { TEST_USER, isLaneUser } from './run-credentials.ts';
import { PRODUCTION_USER } from './side-runs.ts';
import type { ForeignHost } from './foreign-host.ts';
import type { FrontendPhase } from './frontend-phase.ts';
import type { TenantsPhase } from './tenants-phase.ts';
import type { WebhookPhase } from './webhook-phase.ts';

/** What a certify run leaves for the observers to read, once every instance of the integration has stopped. */
export interface RunRecord {
  config: GoliveConfig;
  mock: MockServer;
  scanner: SecretScanner;
  runStartMono: number;
  /** The API users created, by `RunUser.name`. */
  users: ReadonlyMap<string, CreatedApiUser>;
  /** The API user a secret rotation created to replace the test run's, if one did. */
  rotated: CreatedApiUser | null;
  runs: readonly Run[];
  phases: readonly PhaseRecord[];
  /** The webhook phase; `null` when the config has no webhook endpoint. */
  webhook: WebhookPhase | null;
  /** The front-end phase; `null` when the config has no front-end pages. */
  frontend: FrontendPhase | null;
  /** The tenants phase; `null` with one tenant. */
  tenants: TenantsPhase | null;
  /** The foreign host one API call was redirected to; `null` when none listened. */
  foreignHost: ForeignHost | null;
}

/** Reads one piece of the observations from what the run left. */
export type Observer<T> = (run: RunRecord) => T | Promise<T>;

export type Observers = { readonly [K in keyof Observations]: Observer<Observations[K]> };

/**
 * How each piece of `Observations` is observed: one observer a key, asked in this order. A new
 * observation is its key in `Observations` and one more entry here. The output and the slow
 * workspace scan come first and the journal after, as they always have (a request still open
 * when the integration was stopped is journaled only once its socket closes).
 */
export const OBSERVERS: Observers = {
  logs: ({ runs }) => runs.flatMap((run) => instancesOf(run).flatMap((i) => i.lines().map((line) => ({ ...line, run: run.environment })))),
  secrets: async ({ runs, scanner, config }) => [...logSightings(runs), ...(await fileSightings(config.workspace, scanner))],
  universe: ({ mock }) => mock.universe() ?? { stores: [], markets: [] },
  runStartMono: ({ runStartMono }) => runStartMono,
  apiUser: ({ config }) => config.apiUser,
  clients: ({ users }) => ({
    test: users.get(TEST_USER.name)!.clientId,
    production: users.get(PRODUCTION_USER.name)?.clientId ?? null,
    lanes: [...users].filter(([name]) => isLaneUser(name)).map(([, user]) => user.clientId),
  }),
  rotatedClient: ({ rotated }) => rotated?.clientId ?? null,
  journal: ({ mock }) => mock.journal.since(0),
  phases: ({ phases }) => phases,
  endpoints: ({ mock }) => mock.platform.endpoints,
  permissions: ({ mock }) => mock.platform.permissions,
  webhook: ({ webhook }) => webhook?.observations() ?? null,
  tls: ({ mock }) => mock.tlsConnections(),
  tlsRuns: ({ runs }) => runs.flatMap((r) => (r.environment.startsWith('tls:') ? [r.environment.slice(4) as BadTlsKind] : [])),
  browser: ({ frontend }) => frontend?.observations() ?? null,
  job: ({ config, runs }) =>
    config.integration.mode === 'job' ? { tokenCache: config.integration.tokenCache, starts: runs.find((r) => r.environment === 'test')?.jobStarts ?? [] } : null,
  tenancy: ({ tenants, phases }) => (tenants && phases.some((p) => p.name === 'tenants') ? tenants.observations() : null),
  foreignHost: ({ foreignHost }) => foreignHost?.observations() ?? null,
};

/** Every piece of the observations, each from its observer, in the observers' order. */
export async function observe(observers: Observers, run: RunRecord): Promise<Observations> {
  const obs: Record<string, unknown> = {};
  for (const [key, observer] of Object.entries(observers) as [keyof Observations, Observer<unknown>][]) obs[key] = await observer(run);
  return obs as unknown as Observations;
}

/** Secrets the output of every instance showed (already masked by the scanner as it was captured). */
function logSightings(runs: readonly Run[]): SecretSighting[] {
  return runs.flatMap((run) =>
    instancesOf(run)
      .flatMap((i) => i.findings)
      .map((f): SecretSighting => ({ where: 'log', kind: f.kind, masked: f.masked, how: f.how, stream: f.stream, mono: f.mono, text: f.text })),
  );
}

/** Secrets at rest in the workspace, git history included. */
async function fileSightings(workspace: string, scanner: SecretScanner): Promise<SecretSighting[]> {
  return (await scanWorkspace(workspace, scanner)).map(
    (f): SecretSighting => ({
      where: 'file',
      kind: f.kind,
      masked: f.masked,
      how: f.how,
      file: f.file,
      line: f.line,
      ...(f.commit ? { commit: f.commit } : {}),
      ...(f.context ? { context: f.context } : {}),
      ...(f.beside ? { beside: f.beside } : {}),
    }),
  );
}
