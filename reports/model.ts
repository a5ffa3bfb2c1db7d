/**
 * The report model: what `golive certify` found, in one shape that every renderer reads
 * and `report.json` stores (documented in `reports/README.md`). Secrets appear only masked.
 */

export const SCHEMA_VERSION = 1;

export type Verdict = 'pass' | 'fail' | 'warn' | 'not-applicable' | 'inconclusive';

/** One piece of evidence behind a verdict. */
export type Evidence =
  /** A request from the mock's journal; `at` is seconds since the run started. */
  | { kind: 'request'; seq: number; at: number; method: string; path: string; status: number; environment: string; note?: string }
  /** A line of the integration's output, masked. */
  | { kind: 'log'; stream: 'stdout' | 'stderr'; at: number; text: string; note?: string }
  /** A place in the integration's files. */
  | { kind: 'file'; path: string; line: number; note: string }
  /** A number that decided the verdict. */
  | { kind: 'metric'; name: string; value: number; unit?: string; limit?: number }
  /** A webhook delivery the mock sent to the integration's endpoint; `at` is seconds since the run started. */
  | {
      kind: 'delivery';
      seq: number;
      at: number;
      eventId: string;
      attempt: number;
      /** `delivery`, `retry`, `duplicate`, `probe`… */
      deliveryKind: string;
      probe?: string;
      url: string;
      /** The auth header as sent, masked; `null`: none was sent. */
      authSent: string | null;
      /** The endpoint's status; `null`: no answer (see `error`). */
      status: number | null;
      error: string | null;
      latencyMs: number;
      note?: string;
    }
  /** A change in data between two moments (the mock's data, or what the integration's side-effect probe printed). */
  | { kind: 'change'; where: string; key: string; field: string; before: unknown; after: unknown; note?: string }
  | { kind: 'note'; text: string };

export interface CheckResult {
  id: string;
  title: string;
  section: string;
  /** Required checks decide certification; advisory ones can only warn. */
  required: boolean;
  verdict: Verdict;
  /** Why, in one or two sentences with the numbers (every non-pass has one). */
  summary: string;
  evidence: Evidence[];
  remediation: string;
  /**
   * With `--repeat`: the check's verdict changed between runs (one per run, in order). Its
   * `verdict` is then the worst of them, and it does not certify: what comes and goes cannot
   * be vouched for.
   */
  flaky?: { verdicts: Verdict[] };
}

export interface PhaseResult {
  name: string;
  environment: string;
  /** Seconds since the run started. */
  startedAt: number;
  durationSeconds: number;
  completed: boolean;
  note?: string;
}

export interface Report {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: 'golive'; version: string };
  certified: boolean;
  startedAt: string;
  durationSeconds: number;
  integration: {
    command: string[];
    /** How each process of the integration ended (service mode: one per environment run). */
    exits: {
      environment: string;
      code: number | null;
      signal: string | null;
      /** It exited (or never started) before the harness stopped it. */
      beforeEnd: boolean;
      /** Why it could not be started or did not become ready. */
      error?: string;
      /** Its last lines of output, masked. */
      outputTail: string[];
    }[];
  };
  apiUser: { name: string; roles: string[]; stores: string[] | '*'; markets: string[] | '*' };
  /**
   * The config file, relative to the scanned workspace (where file evidence paths start) when it
   * lies inside it, else absolute; absent when the run had no config file. Reports that point at
   * code (SARIF) anchor findings without a file of their own here.
   */
  configFile?: string;
  /**
   * The run was stopped by a signal before its end (Ctrl-C): every check still has a verdict,
   * but those of the phases that did not run are inconclusive, and the run does not certify.
   */
  interrupted?: { signal: string };
  /** With `--repeat N`: how many runs this report joins (each with a fresh mock); absent for one run. */
  runs?: number;
  phases: PhaseResult[];
  checks: CheckResult[];
  totals: Record<Verdict, number>;
}

/** Whether a set of results certifies: every required check is `pass` or `not-applicable`, and none is flaky. */
export function certifies(checks: readonly CheckResult[]): boolean {
  return checks.every((c) => !c.required || ((c.verdict === 'pass' || c.verdict === 'not-applicable') && !c.flaky));
}

export function totals(checks: readonly CheckResult[]): Record<Verdict, number> {
  const out: Record<Verdict, number> = { pass: 0, fail: 0, warn: 0, 'not-applicable': 0, inconclusive: 0 };
  for (const c of checks) out[c.verdict] += 1;
  return out;
}
