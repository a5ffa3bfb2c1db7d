import type { EndpointInfo, JournalEntry } from '../../mock-server/index.ts';
import type { CheckResult, Evidence, Verdict } from '../../reports/model.ts';
import type { GoliveConfig } from '../config/define.ts';
import type { Observations, PhaseRecord } from './observations.ts';

/** What a check's rule decides; `fail` becomes `warn` for advisory checks. */
export interface Finding {
  verdict: Exclude<Verdict, 'warn'>;
  summary: string;
  evidence: Evidence[];
}

/** What the platform and the config offer a check, known before any traffic. */
export interface PlatformFacts {
  /** The integration has a webhook endpoint (config `webhook`). */
  webhook: boolean;
  /** The platform has an endpoint that exchanges credentials for a token. */
  issuesTokens: boolean;
  /** The platform scopes API users to stores and markets. */
  scoped: boolean;
  /** Its token endpoints, as `METHOD /path` (for remediations that name them). */
  tokenEndpoints: string[];
  /** A rotated key keeps working beside the new one for a while (the profile's `rotationOverlapSeconds`): the certify run rotates with such a window. */
  rotatesWithOverlap: boolean;
}

/** What a check's `appliesTo` may read: the config and the facts drawn from it and the platform. */
export interface CheckContext {
  config: GoliveConfig;
  facts: PlatformFacts;
}

/** The context of a run: the facts of `config` and of the platform (`MockControl.platform`). */
export function checkContext(
  config: GoliveConfig,
  platform: { endpoints: readonly EndpointInfo[]; scoped: boolean; rotationOverlapSeconds?: number },
): CheckContext {
  const tokenEndpoints = platform.endpoints.filter((e) => e.issuesToken === true).map((e) => `${e.method} ${e.path}`);
  return {
    config,
    facts: {
      webhook: config.webhook !== undefined,
      issuesTokens: tokenEndpoints.length > 0,
      scoped: platform.scoped,
      tokenEndpoints,
      rotatesWithOverlap: (platform.rotationOverlapSeconds ?? 0) > 0,
    },
  };
}

/** The `appliesTo` of the checks about tokens: a platform that takes its credential on every request (a static key) issues none. */
export const exchangesCredentials = ({ facts }: CheckContext): true | string =>
  facts.issuesTokens || 'The platform takes its credential on every request and issues no tokens, so there is no token to cache, renew or request.';

/** One check of the checklist: a pure rule over the observations. */
export interface Check {
  /** Exactly the id of `shared/spec/checklist.md`; also this check's file name. */
  readonly id: string;
  readonly title: string;
  readonly section: 'Credentials' | 'Token handling' | 'Error handling' | 'Webhooks' | 'Beyond the Omnium checklist';
  readonly required: boolean;
  /**
   * The phases of the certify plan it needs besides `steady` (which always runs): with `--only`,
   * just these run (the production and bad-TLS runs beside steady say which checks they serve: `SideRun.judges`).
   */
  readonly phases: readonly string[];
  /** What to change, in the words of the guide; a function when it names something of the platform (its token endpoint). */
  readonly remediation: string | ((ctx: CheckContext) => string);
  /**
   * Judged on the config alone, not on what the integration does: its verdict stands even
   * when the integration never started (`credentials.descriptive-name`).
   */
  readonly configOnly?: boolean;
  /**
   * Whether the check applies to this platform and config: `true`, or why not (the summary of
   * its `not-applicable` verdict). Absent: it always applies. `judge` is called only when it does.
   */
  appliesTo?(ctx: CheckContext): true | string;
  judge(obs: Observations): Finding;
}

export function defineCheck(check: Check): Check {
  return check;
}

/** A check's remediation for this platform and config. */
export function remediationOf(check: Check, ctx: CheckContext): string {
  return typeof check.remediation === 'function' ? check.remediation(ctx) : check.remediation;
}

/**
 * Runs a check: `not-applicable` with the reason its `appliesTo` gives, else its rule's finding.
 * A throw is a harness bug, reported as such instead of costing the other checks.
 */
export function runCheck(check: Check, obs: Observations, ctx: CheckContext): CheckResult {
  let finding: Finding;
  try {
    const applies = check.appliesTo?.(ctx) ?? true;
    finding = applies === true ? check.judge(obs) : { verdict: 'not-applicable', summary: applies, evidence: [] };
  } catch (err) {
    finding = {
      verdict: 'inconclusive',
      summary: `golive could not judge this check (a bug in golive, please report it): ${err instanceof Error ? err.message : String(err)}`,
      evidence: [],
    };
  }
  const verdict: Verdict = finding.verdict === 'fail' && !check.required ? 'warn' : finding.verdict;
  return {
    id: check.id,
    title: check.title,
    section: check.section,
    required: check.required,
    verdict,
    summary: finding.summary,
    evidence: finding.evidence,
    remediation: verdict === 'pass' || verdict === 'not-applicable' ? '' : remediationOf(check, ctx),
  };
}

// ---- Shared readings of the observations ----

/** An output line that tells an operator something is wrong. */
export const ERROR_LINE = /\b(error|fail(ed|ure)?|denied|reject(ed)?|unauthori[sz]ed|forbidden|401|403|deactivated|fatal|alert)\b/i;

/** Seconds since the run started, to one decimal. */
export function secondsAt(obs: Observations, mono: number): number {
  return Math.round((mono - obs.runStartMono) / 100) / 10;
}

export function requestEvidence(obs: Observations, e: JournalEntry, note?: string): Evidence {
  const query = Object.entries(e.query)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
    .join('&');
  return {
    kind: 'request',
    seq: e.seq,
    at: secondsAt(obs, e.mono),
    method: e.method,
    path: query ? `${e.path}?${query}` : e.path,
    status: e.status,
    environment: e.environment,
    ...(note ? { note } : {}),
  };
}

/** A request to an endpoint that exchanges credentials for a token (the platform's table says which). */
export const isTokenRequest = (e: JournalEntry): boolean => e.tokenRequest;
/** A call to an endpoint that needs a token (not the token endpoint, health or docs). */
export const isApiCall = (e: JournalEntry): boolean => e.routeId !== null && e.requiredRole !== null;

export function phase(obs: Observations, name: string): PhaseRecord | undefined {
  return obs.phases.find((p) => p.name === name);
}

/** The API users whose traffic a phase provoked: its lane's (the test run's when the record names none), then any a rotation created. */
export function phaseUsers(obs: Observations, p: PhaseRecord): ReadonlySet<string> {
  return new Set(p.apiUsers ?? [obs.clients.test]);
}

/**
 * A phase's traffic: the test entries of its own API users from `from` to `to` (the phase by
 * default). Another lane's phases run at the same time, with API users of their own: their
 * traffic is not this phase's.
 */
export function phaseTraffic(obs: Observations, p: PhaseRecord, from = p.startMono, to = p.endMono): JournalEntry[] {
  const users = phaseUsers(obs, p);
  return within(obs, from, to).filter((e) => e.apiUser !== null && users.has(e.apiUser));
}

/** The run of the integration a phase watched, as its log lines name it. */
export const phaseRun = (p: PhaseRecord): string => p.run ?? 'test';

/** Every test API user the run gave the integration for its lanes: the test run's and each side lane's. */
export function testUsers(obs: Observations): ReadonlySet<string> {
  return new Set([obs.clients.test, ...obs.clients.lanes]);
}

/** Journal entries of one environment between two monotonic times. */
export function within(obs: Observations, from: number, to: number, environment: 'test' | 'production' = 'test'): JournalEntry[] {
  return obs.journal.filter((e) => e.environment === environment && e.mono >= from && e.mono <= to);
}

export function inconclusive(summary: string, evidence: Evidence[] = []): Finding {
  return { verdict: 'inconclusive', summary, evidence };
}

/** The finding when a phase a check needs did not run to its end. */
export function phaseMissing(name: string, p: PhaseRecord | undefined): Finding {
  return inconclusive(
    p
      ? `The "${name}" phase ended early (the integration stopped), so this could not be observed.`
      : `The "${name}" phase did not run, so this could not be observed.`,
  );
}

/** At most `n` items of evidence, with a note of how many were left out. */
export function firstOf(evidence: Evidence[], n = 8): Evidence[] {
  if (evidence.length <= n) return evidence;
  return [...evidence.slice(0, n), { kind: 'note', text: `…and ${evidence.length - n} more` }];
}
