import type { BadTlsKind, EndpointInfo, JournalEntry, ScopeList, TlsConnectionRecord } from '../../mock-server/index.ts';

/** A line of the integration's output, already masked. */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  /** Monotonic milliseconds (performance.now of the harness process). */
  mono: number;
  text: string;
  /** Which run of the integration printed it (`tls:<kind>`: a run against a bad certificate). */
  run: 'test' | 'production' | `tls:${BadTlsKind}`;
}

/** A secret seen where it should not be: in output (`log`) or in the integration's files (`file`). */
export interface SecretSighting {
  where: 'log' | 'file';
  kind: 'client-secret' | 'token' | 'webhook-secret';
  /** Masked form of the secret. */
  masked: string;
  how: 'full' | 'prefix' | 'base64';
  /** Log sightings: stream, time and the masked line. */
  stream?: 'stdout' | 'stderr';
  mono?: number;
  text?: string;
  /** File sightings: path relative to the workspace, line, commit when found in git history. */
  file?: string;
  line?: number;
  commit?: string;
}

/** One phase of the plan as it actually ran. */
export interface PhaseRecord {
  name: string;
  environment: 'test' | 'production';
  startMono: number;
  endMono: number;
  /** False when the run ended early (the integration exited, or the harness was stopped). */
  completed: boolean;
  /** Settings of the phase, e.g. `tokenLifetimeSeconds`, `observeWindowMs`. */
  params: Record<string, number>;
}

/** Everything the harness saw, and all a check may read. Checks never reach into the mock. */
export interface Observations {
  runStartMono: number;
  apiUser: { name: string; roles: readonly string[]; stores: ScopeList; markets: ScopeList };
  /** Client ids the harness created for each environment. */
  clients: { test: string; production: string | null };
  journal: readonly JournalEntry[];
  phases: readonly PhaseRecord[];
  logs: readonly LogLine[];
  secrets: readonly SecretSighting[];
  endpoints: readonly EndpointInfo[];
  /** Every store and market id of the test environment's data. */
  universe: { stores: readonly string[]; markets: readonly string[] };
  /** Whether the integration has a webhook endpoint (config `webhook`). */
  webhook: boolean;
  /** TLS handshakes with the bad-certificate listeners (and the API while it presented one). */
  tls: readonly TlsConnectionRecord[];
  /** The bad certificates the integration was run against. */
  tlsRuns: readonly BadTlsKind[];
}
