/**
 * The schema of `report.json` (version 1), for reading a saved report back: `golive report`
 * renders only what passes it. Objects are loose because new fields may be added within a
 * schema version (reports/README.md); a re-rendered report.json keeps them.
 */
import { z } from 'zod';
import { type Report, SCHEMA_VERSION } from './model.ts';

const note = z.string().optional();
const seconds = z.number();

const evidence = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('request'), seq: z.number(), at: seconds, method: z.string(), path: z.string(), status: z.number(), environment: z.string(), note }),
  z.looseObject({ kind: z.literal('log'), stream: z.enum(['stdout', 'stderr']), at: seconds, text: z.string(), note }),
  z.looseObject({ kind: z.literal('file'), path: z.string(), line: z.number(), note: z.string() }),
  z.looseObject({ kind: z.literal('metric'), name: z.string(), value: z.number(), unit: z.string().optional(), limit: z.number().optional() }),
  z.looseObject({
    kind: z.literal('delivery'),
    seq: z.number(),
    at: seconds,
    eventId: z.string(),
    attempt: z.number(),
    deliveryKind: z.string(),
    probe: z.string().optional(),
    url: z.string(),
    authSent: z.string().nullable(),
    status: z.number().nullable(),
    error: z.string().nullable(),
    latencyMs: z.number(),
    note,
  }),
  z.looseObject({ kind: z.literal('change'), where: z.string(), key: z.string(), field: z.string(), before: z.unknown(), after: z.unknown(), note }),
  z.looseObject({ kind: z.literal('note'), text: z.string() }),
]);

const verdict = z.enum(['pass', 'fail', 'warn', 'not-applicable', 'inconclusive']);

const check = z.looseObject({
  id: z.string(),
  title: z.string(),
  section: z.string(),
  required: z.boolean(),
  verdict,
  summary: z.string(),
  evidence: z.array(evidence),
  remediation: z.string(),
  flaky: z.looseObject({ verdicts: z.array(verdict) }).optional(),
  accepted: z.looseObject({ reason: z.string(), expires: z.string().optional() }).optional(),
});

const baselineEntry = z.looseObject({ check: z.string(), reason: z.string(), expires: z.string().optional() });

const scope = z.union([z.array(z.string()), z.literal('*')]);

const outcome = z.enum(['2xx', '401', '403', '429', '5xx', 'reset', 'hang', 'other']);
const counts = z.partialRecord(outcome, z.number());

const traffic = z.looseObject({
  cap: z.number(),
  lanes: z.array(
    z.looseObject({
      name: z.string(),
      kind: z.enum(['requests', 'deliveries']),
      total: z.number(),
      counts,
      token: z.number(),
      fault: z.number(),
      marks: z
        .array(z.looseObject({ at: seconds, outcome, seq: z.number(), token: z.literal(true).optional(), fault: z.literal(true).optional() }))
        .optional(),
      buckets: z.array(z.looseObject({ at: seconds, seconds: z.number(), counts, token: z.number(), fault: z.number() })).optional(),
    }),
  ),
});

export const reportSchema = z.looseObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.looseObject({ name: z.literal('golive'), version: z.string() }),
  certified: z.boolean(),
  startedAt: z.string(),
  durationSeconds: z.number(),
  integration: z.looseObject({
    command: z.array(z.string()),
    exits: z.array(
      z.looseObject({
        environment: z.string(),
        code: z.number().nullable(),
        signal: z.string().nullable(),
        beforeEnd: z.boolean(),
        error: z.string().optional(),
        outputTail: z.array(z.string()),
      }),
    ),
  }),
  apiUser: z.looseObject({ name: z.string(), roles: z.array(z.string()), stores: scope, markets: scope }),
  interrupted: z.looseObject({ signal: z.string() }).optional(),
  setup: z
    .looseObject({
      profile: z.string(),
      seed: z.number(),
      node: z.string(),
      timings: z.looseObject({ name: z.enum(['full', 'fast', 'custom']), ms: z.record(z.string(), z.number()) }),
    })
    .optional(),
  runs: z.number().int().min(2).optional(),
  phases: z.array(
    z.looseObject({ name: z.string(), environment: z.string(), startedAt: seconds, durationSeconds: z.number(), completed: z.boolean(), note, lane: z.string().optional() }),
  ),
  checks: z.array(check),
  totals: z.looseObject({ pass: z.number(), fail: z.number(), warn: z.number(), 'not-applicable': z.number(), inconclusive: z.number() }),
  refused: z
    .looseObject({
      total: z.number(),
      requests: z.array(
        z.looseObject({
          seq: z.number(),
          at: seconds,
          environment: z.string(),
          method: z.string(),
          path: z.string(),
          route: z.string().nullable(),
          reason: z.string(),
          role: z.string().optional(),
          store: z.string().optional(),
          market: z.string().optional(),
        }),
      ),
    })
    .optional(),
  traffic: traffic.optional(),
  baseline: z.looseObject({ file: z.string(), stale: z.array(baselineEntry), expired: z.array(baselineEntry) }).optional(),
});

/** A saved report read back: the report, or the one phrase that says why it is not one. */
export type ReportReading = { report: Report; problem?: undefined } | { report?: undefined; problem: string };

/**
 * Reads a parsed `report.json`: the report, or the first problem (`checks.3.verdict: …`).
 * @example readReport(JSON.parse(text)).problem // 'not a golive report: schemaVersion is 2, golive reads 1'
 */
export function readReport(value: unknown): ReportReading {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'not a golive report: not a JSON object' };
  const { schemaVersion, checks } = value as { schemaVersion?: unknown; checks?: unknown };
  if (schemaVersion !== SCHEMA_VERSION) {
    return { problem: `not a golive report: schemaVersion is ${JSON.stringify(schemaVersion) ?? 'missing'}, golive reads ${SCHEMA_VERSION}` };
  }
  if (!Array.isArray(checks)) return { problem: 'not a golive report: it has no checks array' };
  const parsed = reportSchema.safeParse(value);
  if (parsed.success) return { report: parsed.data satisfies Report };
  const issue = parsed.error.issues[0]!;
  return { problem: `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}` };
}
