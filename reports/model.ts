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
  /**
   * With `certify --baseline FILE`: the baseline accepts this check's non-pass verdict, for this
   * reason (until `expires`, a `YYYY-MM-DD` day, inclusive). The verdict stays as judged; the check
   * no longer keeps the run from being certified.
   */
  accepted?: { reason: string; expires?: string };
}

/** One entry of a baseline file: a check whose failure is accepted, why, and until which day. */
export interface BaselineEntry {
  check: string;
  reason: string;
  /** `YYYY-MM-DD`: the last day the entry holds. */
  expires?: string;
}

/** With `certify --baseline FILE`: the file, and its entries that fail the run. */
export interface BaselineResult {
  /** The file as given on the command line. */
  file: string;
  /** Entries whose check passes (or is not applicable) now: the baseline only shrinks, so they fail the run until removed. */
  stale: BaselineEntry[];
  /** Entries past their `expires` day: their check is judged as if unlisted, and they fail the run. */
  expired: BaselineEntry[];
}

export interface PhaseResult {
  name: string;
  environment: string;
  /** Seconds since the run started. */
  startedAt: number;
  durationSeconds: number;
  completed: boolean;
  note?: string;
  /** The lane it ran in, when phases ran side by side (`main`: the run's own instance); absent in a sequential run. */
  lane?: string;
}

/** A request the integration was answered 403, and what it was refused (see `Report.refused`). */
export interface RefusedRequest {
  /** The journal's `seq`, as in a check's evidence. */
  seq: number;
  /** Seconds since the run started. */
  at: number;
  environment: string;
  method: string;
  /** The path as sent. */
  path: string;
  /** The endpoint of the platform's table it matched (`Orders_Get`); `null` when none did. */
  route: string | null;
  /** Why, as the mock journaled it (`missing role <name>`, `store <id> out of scope`). */
  reason: string;
  /** The permission the credential lacked (a role, or a scope where the platform has scopes). */
  role?: string;
  /** The store, or the market, the API user is not scoped to. */
  store?: string;
  market?: string;
}

/** See `Report.setup`. */
export interface RunSetup {
  profile: string;
  seed: number;
  node: string;
  timings: { name: 'full' | 'fast' | 'custom'; ms: Record<string, number> };
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
  /**
   * What the run was made with, so that it can be made again: the platform profile, the seed of
   * the simulated data and of the fault rules' chances, the Node version golive ran on, and the
   * phase timings (`full`, `fast`, or `custom` for the harness's own). Absent in reports written before it.
   */
  setup?: RunSetup;
  /** With `--repeat N`: how many runs this report joins (each with a fresh mock); absent for one run. */
  runs?: number;
  phases: PhaseResult[];
  checks: CheckResult[];
  totals: Record<Verdict, number>;
  /**
   * Every request the integration was refused with 403 (`total`), the first `REFUSED_CAP` of them
   * listed with the route and the role, store or market refused (OWASP API9: each 403 is a
   * permission the integration lacks, or one it tried to overstep); absent in reports written before it.
   */
  refused?: { total: number; requests: RefusedRequest[] };
  /** The run's traffic, one lane per run of the integration and one for webhook deliveries, bounded; absent in reports written before it. */
  traffic?: Traffic;
  /** With `certify --baseline FILE`: which entries are stale or expired (each fails the run); absent without a baseline. */
  baseline?: BaselineResult;
}

/** How many refused requests a report lists; `refused.total` counts them all. */
export const REFUSED_CAP = 200;

/** How a request (or a webhook delivery) ended: its status class, or what happened to its connection. */
export type Outcome = '2xx' | '401' | '403' | '429' | '5xx' | 'reset' | 'hang' | 'other';

/** Every outcome, in the order a legend lists them. */
export const OUTCOMES: readonly Outcome[] = ['2xx', '401', '403', '429', '5xx', 'reset', 'hang', 'other'];

/** One request (or delivery) on a lane. */
export interface TrafficMark {
  /** Seconds since the run started, to the hundredth. */
  at: number;
  outcome: Outcome;
  /** The journal's `seq` (on the webhook lane the delivery log's), so a check's evidence finds its lane. */
  seq: number;
  /** A token request, not an API call. */
  token?: true;
  /** An injected fault answered it (a fault rule; on the webhook lane, a simulated timeout). */
  fault?: true;
}

/** The requests of one stretch of a lane, counted: what a lane above the cap keeps instead of its marks. */
export interface TrafficBucket {
  /** Seconds since the run started at which the stretch begins. */
  at: number;
  seconds: number;
  counts: Partial<Record<Outcome, number>>;
  /** Of them, token requests and requests an injected fault answered. */
  token: number;
  fault: number;
}

/** One run of the integration (`test`, `production`, `tls:<kind>`) or the webhook deliveries (`webhooks`). */
export interface TrafficLane {
  name: string;
  kind: 'requests' | 'deliveries';
  /** Every request of the lane, by outcome, and how many were token requests or met an injected fault. */
  total: number;
  counts: Partial<Record<Outcome, number>>;
  token: number;
  fault: number;
  /** Each request, oldest first; `buckets` instead when the lane has more than the cap. */
  marks?: TrafficMark[];
  buckets?: TrafficBucket[];
}

/** The run's traffic as the HTML report draws it: each request up to `cap` a lane, counted in buckets beyond. */
export interface Traffic {
  cap: number;
  lanes: TrafficLane[];
}

/**
 * Whether a set of results certifies: every required check is `pass` or `not-applicable` and not
 * flaky, or its verdict is accepted by the baseline.
 */
export function certifies(checks: readonly CheckResult[]): boolean {
  return checks.every((c) => !c.required || c.accepted !== undefined || ((c.verdict === 'pass' || c.verdict === 'not-applicable') && !c.flaky));
}

export function totals(checks: readonly CheckResult[]): Record<Verdict, number> {
  const out: Record<Verdict, number> = { pass: 0, fail: 0, warn: 0, 'not-applicable': 0, inconclusive: 0 };
  for (const c of checks) out[c.verdict] += 1;
  return out;
}
