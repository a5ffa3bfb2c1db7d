import { constants } from 'node:os';
import pc from 'picocolors';
import { SCENARIOS } from '../../../scenarios/index.ts';
import { TOUR_FAST, tour } from '../../../scenarios/tour.ts';
import type { Verdict } from '../../runner/demo/behaviours.ts';
import { type PhaseReport, VERDICT_WORD, verdictTable } from '../../runner/demo/narrate.ts';
import { type DemoEvent, type DemoResult, runDemo } from '../../runner/demo/run.ts';
import { runningIntegrations } from '../../runner/process.ts';
import { type Scenario, findScenario, scaleScenario } from '../../runner/scenario.ts';
import type { ExitCode } from '../main.ts';
import { intFlag } from '../flags.ts';

interface DemoFlags {
  scenario?: string;
  fast?: boolean;
  json?: boolean;
  seed?: unknown;
}

/** The scenario `golive demo` runs without a name. */
const DEFAULT_SCENARIO = 'tour';
/** `--fast` for a scenario without a fast variant of its own: a quarter of its length. */
const FAST_SCALE = 0.25;
/** Scenarios whose shortened form is not a plain scaling (a token lifetime, a Retry-After must fit the shorter phases). */
const FAST_VARIANTS: Readonly<Record<string, Scenario>> = { tour: tour(TOUR_FAST) };

const PAINT: Record<Verdict, (s: string) => string> = { pass: pc.green, fail: pc.red, 'not-seen': pc.dim };

/** The human lines for a demo event (the phase narration included). */
function eventLines(e: DemoEvent): string[] {
  switch (e.kind) {
    case 'mock':
      return [`${pc.bold('golive demo')}: simulated ${e.title} API at ${e.apiUrl}`, `console: ${e.consoleUrl}`];
    case 'ready':
      return [`  ${pc.bold(e.integration)} (${e.example}) ready after ${(e.ms / 1000).toFixed(1)} s, API user "${e.apiUser}" (${e.clientId})`];
    case 'exited':
      return [
        pc.yellow(`  ${e.integration} exited by itself: ${e.signal ? `signal ${e.signal}` : `code ${e.code}`}`),
        ...e.outputTail.map((line) => pc.dim(`    | ${line}`)),
      ];
    case 'phase':
      return ['', `${pc.cyan(`[${e.index + 1}/${e.count}]`)} ${pc.bold(e.phase.name)}: ${e.phase.description} (${Math.round(e.remainingMs / 1000)} s left)`];
    case 'phase-done':
      return phaseLines(e.report);
    case 'note':
      return [pc.yellow(`  ${e.text}`)];
    case 'stopping':
      return ['', pc.dim('stopping the integrations…')];
  }
}

/** What each integration did in a phase, one line each, marked with its verdict. */
function phaseLines(report: PhaseReport): string[] {
  return Object.values(report.integrations).map((f) => {
    const mark = f.judgment ? `${PAINT[f.judgment.verdict](VERDICT_WORD[f.judgment.verdict])} ` : '     ';
    return `  ${mark}${f.line}`;
  });
}

/**
 * A scenario at `factor` of its length, a rotation's grace period included (else the old API user
 * would outlive the shortened phase, and the rotation would never bite).
 */
function shortened(scenario: Scenario, factor: number): Scenario {
  const scaled = scaleScenario(scenario, factor);
  return {
    ...scaled,
    phases: scaled.phases.map((p) => ({
      ...p,
      actions: p.actions.map((a) => (a.kind === 'rotate-secret' ? { ...a, graceMs: Math.round(a.graceMs * factor) } : a)),
    })),
  };
}

/** The scenario to run, at the length `--fast` asks for; an unknown name is a usage error that lists the known ones. */
async function scenarioToRun(name: string, fast: boolean): Promise<Scenario> {
  const found = await findScenario(name, SCENARIOS);
  if (!fast) return found;
  return FAST_VARIANTS[found.name] ?? shortened(found, FAST_SCALE);
}

/** The document `--json` prints: the scenario, each phase with each integration's facts and judgment, the verdicts. */
function jsonDocument(scenario: Scenario, flags: DemoFlags, seed: number | undefined, result: DemoResult, signal: NodeJS.Signals | null): object {
  return {
    scenario: { name: scenario.name, summary: scenario.summary, expect: scenario.expect },
    fast: flags.fast === true,
    ...(seed === undefined ? {} : { seed }),
    console: result.consoleUrl,
    completed: result.completed,
    interrupted: signal ? { signal } : null,
    integrations: result.integrations,
    phases: result.phases,
    verdicts: result.verdicts,
  };
}

/**
 * `golive demo [SCENARIO]`: the naive and the resilient example side by side against the mock,
 * one scenario run against both, narrated phase by phase, then a verdict table. Exit 0 once it
 * has run; 130/143 when stopped by SIGINT/SIGTERM (the integrations and the mock stopped first).
 */
export default async function demo(flags: DemoFlags): Promise<ExitCode> {
  const seed = intFlag('--seed', flags.seed, 0);
  const scenario = await scenarioToRun(flags.scenario ?? DEFAULT_SCENARIO, flags.fast === true);
  // With --json, stdout carries the one document; everything for people goes to stderr.
  const say = (text: string) => (flags.json ? process.stderr : process.stdout).write(`${text}\n`);
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const interrupt = (signal: NodeJS.Signals) => {
    if (stoppedBy) {
      // A second signal: no more waiting for graceful stops.
      for (const p of runningIntegrations()) p.forceKill();
      process.exit(128 + constants.signals[signal]);
    }
    stoppedBy = signal;
    say(pc.yellow(`\ninterrupted (${signal}): stopping the scenario, the integrations and the mock…`));
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  let result: DemoResult;
  try {
    say(`${pc.cyan(`[${scenario.name}]`)} ${scenario.summary}`);
    say(`${pc.cyan(`[${scenario.name}]`)} a good client: ${scenario.expect}`);
    result = await runDemo({
      scenario,
      fast: flags.fast === true,
      ...(seed === undefined ? {} : { seed }),
      scenarios: SCENARIOS,
      signal: controller.signal,
      onEvent: (e) => {
        for (const line of eventLines(e)) say(line);
      },
    });
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
  const names = result.integrations.map((i) => i.name);
  say('');
  say(pc.bold(`Verdicts (${scenario.name}${result.completed ? '' : ', cut short'})`));
  if (result.verdicts.length === 0) say(pc.dim('  nothing judged: no phase that provokes a judged behaviour ran'));
  for (const line of verdictTable(result.verdicts, names, (v, word) => PAINT[v](word))) say(`  ${line}`);
  if (flags.json) process.stdout.write(`${JSON.stringify(jsonDocument(scenario, flags, seed, result, stoppedBy))}\n`);
  // The shell's convention for a command stopped by a signal: 128 + its number (130 for Ctrl-C).
  if (stoppedBy) return (128 + constants.signals[stoppedBy]) as ExitCode;
  return 0;
}
