import { GoliveError } from '../../errors.ts';
import type { CheckResult } from '../../reports/model.ts';
import { CHECKS, type Check, type CheckContext, remediationOf, runCheck } from '../checks/index.ts';
import type { Observations, PhaseRecord } from '../checks/observations.ts';
import type { PhaseSpec } from './plan.ts';

/** The checks given with `--only`, in catalog order; every check when none is given. */
export function selectChecks(only: readonly string[] | undefined): readonly Check[] {
  return only?.length ? CHECKS.filter((c) => only.includes(c.id)) : CHECKS;
}

/** The plan's phases that the selected checks need, in plan order (`steady` always); every phase when `checks` is null. */
export function planFor(plan: readonly PhaseSpec[], checks: readonly Check[] | null): PhaseSpec[] {
  if (!checks) return [...plan];
  const needed = new Set(['steady', ...checks.flatMap((c) => c.phases)]);
  return plan.filter((p) => needed.has(p.name));
}

/**
 * The plan and checks of a run: every phase and check; with `--only`, those checks and the
 * phases they need; with config `scenarios` (phase names), just those phases (and `steady`)
 * and the checks they are enough for. A name that is no phase of this plan is a config error.
 */
export function scopeRun(plan: readonly PhaseSpec[], only: readonly string[] | undefined, scenarios: readonly string[] | undefined): { plan: PhaseSpec[]; checks: readonly Check[] } {
  let checks = selectChecks(only);
  if (scenarios?.length) {
    const known = plan.map((p) => p.name);
    const unknown = scenarios.filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      throw new GoliveError('GOLIVE_ERR_CONFIG_INVALID', `scenarios: ${unknown.map((n) => `"${n}"`).join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not a phase of this certify plan (its phases: ${known.join(', ')})`);
    }
    const chosen = new Set(['steady', ...scenarios]);
    checks = checks.filter((c) => c.phases.every((name) => chosen.has(name) || !known.includes(name)));
    return { plan: planFor(plan, checks).filter((p) => chosen.has(p.name)), checks };
  }
  return { plan: planFor(plan, only?.length ? checks : null), checks };
}

/**
 * The phases a check needs and how each ran, for an inconclusive verdict: the traffic it
 * lacked should have come from them, and a well-behaved integration left inconclusive is a
 * golive defect to report.
 */
export function phasesNote(check: Check, phases: readonly PhaseRecord[]): string {
  const names = check.phases.length ? check.phases : ['steady'];
  const how = names.map((name) => {
    const p = phases.find((x) => x.name === name);
    if (!p) return `${name} (not run)`;
    return `${name} (${Math.round((p.endMono - p.startMono) / 100) / 10} s${p.completed ? '' : ', ended early'})`;
  });
  return `The traffic this check needs comes from the phase${names.length > 1 ? 's' : ''} ${how.join(', ')}. If the integration behaves well and still got no verdict, the phase failed to provoke that traffic: please report it to golive.`;
}

/**
 * Every check judged (`not-applicable` where its `appliesTo` says so); if the integration never
 * started (`startError`), none but the config-only checks can pass.
 */
export function judge(checks: readonly Check[], obs: Observations, ctx: CheckContext, startError: string | null): CheckResult[] {
  return checks.map((check) => {
    const judged = runCheck(check, obs, ctx);
    const result =
      judged.verdict === 'inconclusive' && !startError ? { ...judged, evidence: [...judged.evidence, { kind: 'note' as const, text: phasesNote(check, obs.phases) }] } : judged;
    if (startError && result.verdict === 'pass' && !check.configOnly) {
      return {
        ...result,
        verdict: 'inconclusive' as const,
        summary: `The integration did not start (${startError}), so this was not observed.`,
        remediation: remediationOf(check, ctx),
      };
    }
    return result;
  });
}
