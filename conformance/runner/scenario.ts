import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { GoliveError } from '../../errors.ts';
import { issueSentence } from '../../zod-issues.ts';
import { BAD_TLS_KINDS, parseFaultRule } from '../../mock-server/index.ts';
import type { PhaseSpec } from './plan.ts';

/** A named failure mode for trainers and tests: phases of lifecycle events and fault rules. */
export interface Scenario {
  /** Also its file name in `scenarios/` and the value of `--scenario`. */
  name: string;
  /** One line for `golive scenarios`. */
  summary: string;
  /** What a well-behaved integration does here, for the terminal and the console. */
  expect: string;
  phases: PhaseSpec[];
}

/** Typed identity helper for scenario files. */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}

const ruleSchema = z.unknown().superRefine((value, ctx) => {
  try {
    parseFaultRule(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const actionSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('patch-api-user'),
    patch: z.strictObject({
      active: z.boolean().optional(),
      roles: z.array(z.string()).optional(),
      stores: z.union([z.literal('*'), z.array(z.string())]).optional(),
      markets: z.union([z.literal('*'), z.array(z.string())]).optional(),
      tokenLifetimeSeconds: z.number().int().positive().optional(),
    }),
  }),
  z.strictObject({ kind: z.literal('revoke-tokens') }),
  z.strictObject({ kind: z.literal('restore-api-user') }),
  z.strictObject({ kind: z.literal('withdraw-used-role') }),
  z.strictObject({ kind: z.literal('withdraw-roles') }),
  z.strictObject({ kind: z.literal('add-fault'), rule: ruleSchema }),
  z.strictObject({ kind: z.literal('clear-faults') }),
  z.strictObject({ kind: z.literal('shift-clock'), ms: z.number().int() }),
  z.strictObject({ kind: z.literal('present-certificate'), certificate: z.enum(['valid', ...BAD_TLS_KINDS]) }),
  z.strictObject({ kind: z.literal('rotate-secret'), graceMs: z.number().int().nonnegative() }),
]);

const phaseSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  durationMs: z.number().int().positive(),
  endWhen: z.strictObject({ requests: z.number().int().positive().optional(), status: z.number().int().optional() }).optional(),
  watchAfter: z.strictObject({ status: z.number().int(), ms: z.number().int().positive() }).optional(),
  actions: z.array(actionSchema),
  triggers: z.array(z.strictObject({ className: z.string().min(1), objectId: z.string().optional(), status: z.string() })).optional(),
  params: z.record(z.string(), z.number()).optional(),
  // Only the webhook driver: `golive demo` gives one (an event, then the same event again); without one the phase ends at once.
  drive: z.literal('webhooks').optional(),
});

const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/, 'expected lower-case words joined by "-"'),
  summary: z.string().min(1),
  expect: z.string(),
  phases: z.array(phaseSchema).min(1),
});

/**
 * Validates a scenario; a mistake names the file, the phase and the key:
 * `scenarios/x.ts: phase "storm": actions.0.rule: match.probability: expected a number from 0 to 1`.
 */
export function validateScenario(value: unknown, file: string): Scenario {
  const result = scenarioSchema.safeParse(value);
  if (result.success) return result.data as Scenario;
  const issue = result.error.issues[0]!;
  const unknownKeys = (keys: readonly string[]) => `unknown key(s) ${keys.join(', ')}`;
  const [first, index, ...rest] = issue.path;
  const phases = (value as { phases?: { name?: string }[] })?.phases;
  // Inside a phase the path goes on from the phase, named by its name rather than its index.
  const sentence =
    first === 'phases' && typeof index === 'number'
      ? `phase "${phases?.[index]?.name ?? index}": ${issueSentence({ ...issue, path: rest }, { subject: '(the phase)', unknownKeys })}`
      : issueSentence(issue, { subject: '(the scenario)', unknownKeys });
  throw new GoliveError('GOLIVE_ERR_SCENARIO_INVALID', `${file}: ${sentence}`);
}

/** Scales every phase's duration (tests and quick demos run scenarios at a fraction of their length). */
export function scaleScenario(scenario: Scenario, factor: number): Scenario {
  return { ...scenario, phases: scenario.phases.map((p) => ({ ...p, durationMs: Math.max(1, Math.round(p.durationMs * factor)) })) };
}

/** A shipped scenario by name, or a scenario file by path. */
export async function findScenario(nameOrFile: string, shipped: readonly Scenario[]): Promise<Scenario> {
  const known = shipped.find((s) => s.name === nameOrFile);
  if (known) return validateScenario(known, `scenarios/${known.name}.ts`);
  const file = resolve(nameOrFile);
  if (!/\.(ts|mts|js|mjs)$/.test(file) || !existsSync(file)) {
    throw new GoliveError(
      'GOLIVE_ERR_UNKNOWN_SCENARIO',
      `"${nameOrFile}" is neither a scenario golive ships (${shipped.map((s) => s.name).join(', ')}) nor a scenario file`,
    );
  }
  const { tsImport } = await import('tsx/esm/api');
  let mod: { default?: unknown };
  try {
    mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
  } catch (err) {
    throw new GoliveError('GOLIVE_ERR_SCENARIO_INVALID', `${basename(file)}: cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
  }
  let value = mod.default;
  if (value && typeof value === 'object' && 'default' in value) value = (value as { default: unknown }).default;
  return validateScenario(value, basename(file));
}
