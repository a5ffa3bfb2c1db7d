/**
 * `golive certify --repeat N`: the runs of one plan joined into one report. A check whose
 * verdict changed between runs is marked flaky and gets its worst verdict, with that run's
 * evidence and a sentence saying which run gave what; it never certifies.
 */
import { type CheckResult, type Report, type Verdict, certifies, totals } from './model.ts';

/** Worst first: what a flaky check is reported as. */
const SEVERITY: readonly Verdict[] = ['fail', 'inconclusive', 'warn', 'pass', 'not-applicable'];
const worse = (a: Verdict, b: Verdict): boolean => SEVERITY.indexOf(a) < SEVERITY.indexOf(b);

/** "pass in runs 1 and 3, fail in run 2" */
function byRun(verdicts: readonly Verdict[]): string {
  const runs = new Map<Verdict, number[]>();
  verdicts.forEach((v, i) => runs.set(v, [...(runs.get(v) ?? []), i + 1]));
  return [...runs]
    .map(([v, ns]) => `${v} in run${ns.length > 1 ? 's' : ''} ${ns.length > 1 ? `${ns.slice(0, -1).join(', ')} and ${ns.at(-1)}` : ns[0]}`)
    .join(', ');
}

function joinCheck(results: readonly CheckResult[]): CheckResult {
  const verdicts = results.map((r) => r.verdict);
  let worst = results[0]!;
  for (const r of results) if (worse(r.verdict, worst.verdict)) worst = r;
  if (verdicts.every((v) => v === verdicts[0])) return { ...worst };
  const run = results.indexOf(worst) + 1;
  return {
    ...worst,
    flaky: { verdicts },
    summary: `Flaky: ${byRun(verdicts)}; the same integration must get the same verdict every time. Run ${run}: ${worst.summary}`,
  };
}

/**
 * One report for `reports` (one per run, in order): every check's verdicts compared and the
 * worst run's evidence kept; the first run's phases, every run's exits (named by run). A
 * single report comes back unchanged.
 */
export function joinRuns(reports: readonly Report[]): Report {
  if (reports.length === 0) throw new Error('joinRuns: no report to join');
  if (reports.length === 1) return reports[0]!;
  const first = reports[0]!;
  const checks = first.checks.map((c) => joinCheck(reports.map((r) => r.checks.find((x) => x.id === c.id) ?? c)));
  const interrupted = reports.find((r) => r.interrupted)?.interrupted;
  return {
    ...first,
    runs: reports.length,
    durationSeconds: reports.reduce((sum, r) => sum + r.durationSeconds, 0),
    integration: { ...first.integration, exits: reports.flatMap((r, i) => r.integration.exits.map((e) => ({ ...e, environment: `${e.environment} (run ${i + 1})` }))) },
    checks,
    totals: totals(checks),
    certified: !interrupted && reports.every((r) => r.certified) && certifies(checks),
    ...(interrupted ? { interrupted } : {}),
  };
}
