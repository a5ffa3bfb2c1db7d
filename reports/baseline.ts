/**
 * `golive certify --baseline FILE`: a reviewed list of accepted failures. An entry whose check
 * does not pass lets the run certify (the check is shown as accepted, with the reason); an entry
 * whose check passes now is stale and fails the run, so the baseline only shrinks; an entry past
 * its `expires` day fails the run too. `golive baseline write` makes the first file from a report.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, stringify, type Node } from 'yaml';
import { type BaselineEntry, type CheckResult, type Report, certifies } from './model.ts';

/** A baseline file, read and checked: its entries in file order. */
export interface Baseline {
  /** The file as the user named it (for messages and the report). */
  file: string;
  entries: BaselineEntry[];
}

/** A problem in a baseline file, with the line it is on (1-based; 0 when it is about the whole file). */
export class BaselineProblem extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(problem);
    this.name = 'BaselineProblem';
  }
}

const ENTRY_KEYS = ['check', 'reason', 'expires'] as const;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `s` is a real calendar day written `YYYY-MM-DD`. */
function isDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * Reads a baseline (YAML, or JSON, which YAML reads too) and checks every entry against the
 * checklist's ids. Throws a `BaselineProblem` naming the line of the first mistake.
 * @example parseBaseline('accepted:\n  - check: token.not-in-url\n    reason: JIRA-12\n', 'b.yaml', ids)
 */
export function parseBaseline(text: string, file: string, knownChecks: readonly string[]): Baseline {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const lineOf = (node: Node | null | undefined): number => (node?.range ? lines.linePos(node.range[0]).line : 0);
  const firstError = doc.errors[0];
  if (firstError) {
    throw new BaselineProblem(lines.linePos(firstError.pos[0]).line, `not valid YAML or JSON (${firstError.message.split('\n')[0]})`);
  }
  const root = doc.contents;
  if (!isMap(root)) throw new BaselineProblem(lineOf(root as Node | null), 'expected an object with an "accepted" list (see golive baseline write)');
  let list: Node | null = null;
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'accepted') throw new BaselineProblem(lineOf(pair.key as Node), `unknown key "${key}" (a baseline has one key, "accepted")`);
    list = pair.value as Node | null;
  }
  if (list === null || (isScalar(list) && list.value === null)) return { file, entries: [] };
  if (!isSeq(list)) throw new BaselineProblem(lineOf(list), '"accepted" must be a list of { check, reason, expires? }');
  const known = new Set(knownChecks);
  const seen = new Map<string, number>();
  const entries: BaselineEntry[] = [];
  for (const item of list.items) {
    const at = lineOf(item as Node);
    if (!isMap(item)) throw new BaselineProblem(at, 'an entry must be an object { check, reason, expires? }');
    const fields: Record<string, { value: unknown; line: number }> = {};
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!(ENTRY_KEYS as readonly string[]).includes(key)) {
        throw new BaselineProblem(lineOf(pair.key as Node), `unknown key "${key}" (an entry has check, reason and expires)`);
      }
      const value = pair.value as Node | null;
      fields[key] = { value: isScalar(value) ? value.value : value === null ? null : value.toJSON(), line: lineOf(value) || lineOf(pair.key as Node) };
    }
    const check = fields.check;
    if (typeof check?.value !== 'string' || check.value.trim() === '') throw new BaselineProblem(check?.line ?? at, 'an entry needs "check": a check id (see golive checks)');
    const id = check.value.trim();
    if (!known.has(id)) throw new BaselineProblem(check.line, `"${id}" is not a check (see golive checks)`);
    const before = seen.get(id);
    if (before !== undefined) throw new BaselineProblem(check.line, `"${id}" is listed twice (also on line ${before})`);
    seen.set(id, check.line);
    const reason = fields.reason;
    if (typeof reason?.value !== 'string' || reason.value.trim() === '') {
      throw new BaselineProblem(reason?.line ?? at, `"${id}" needs a "reason": why its failure is accepted (a ticket, a date, a name)`);
    }
    const expires = fields.expires;
    if (expires !== undefined && (typeof expires.value !== 'string' || !isDay(expires.value))) {
      throw new BaselineProblem(expires.line, `"expires" of "${id}" must be a day written YYYY-MM-DD, got ${JSON.stringify(expires.value)}`);
    }
    entries.push({ check: id, reason: reason.value.trim(), ...(expires ? { expires: expires.value as string } : {}) });
  }
  return { file, entries };
}

/** Whether an entry's last day is over at `now` (it holds through its `expires` day, in UTC). */
export function isExpired(entry: BaselineEntry, now: Date): boolean {
  if (entry.expires === undefined) return false;
  return Date.parse(`${entry.expires}T00:00:00Z`) + 24 * 3600 * 1000 <= now.getTime();
}

/** A check the baseline has nothing to accept on: it passes, or does not apply, and steadily so. */
function passes(c: CheckResult): boolean {
  return (c.verdict === 'pass' || c.verdict === 'not-applicable') && !c.flaky;
}

/**
 * The report with the baseline applied: each check with a valid entry that does not pass is
 * `accepted`; entries of checks that pass now are stale, those past their day expired (their
 * check is judged as if unlisted); either fails the run. Entries of checks this run did not judge
 * (`--only`) are left alone. `certified` is decided again from all of it.
 */
export function applyBaseline(report: Report, baseline: Baseline, now: Date): Report {
  const stale: BaselineEntry[] = [];
  const expired: BaselineEntry[] = [];
  const byCheck = new Map(baseline.entries.map((e) => [e.check, e]));
  const checks = report.checks.map((c) => {
    const { accepted: _earlier, ...check } = c;
    const entry = byCheck.get(c.id);
    if (!entry) return check;
    if (passes(check)) {
      stale.push(entry);
      return check;
    }
    if (isExpired(entry, now)) {
      expired.push(entry);
      return check;
    }
    return { ...check, accepted: { reason: entry.reason, ...(entry.expires ? { expires: entry.expires } : {}) } };
  });
  // An expired entry fails the run even when its check was not judged this time: the date is the promise.
  for (const entry of baseline.entries) {
    if (!report.checks.some((c) => c.id === entry.check) && isExpired(entry, now)) expired.push(entry);
  }
  return {
    ...report,
    checks,
    baseline: { file: baseline.file, stale, expired },
    certified: !report.interrupted && certifies(checks) && stale.length === 0 && expired.length === 0,
  };
}

/** Whether the report's baseline has an entry that fails the run. */
export function baselineFails(report: Report): boolean {
  return (report.baseline?.stale.length ?? 0) > 0 || (report.baseline?.expired.length ?? 0) > 0;
}

/**
 * The entries a new baseline needs for `report`: every required check that keeps it from being
 * certified, with reason "TODO" (or the reason a baseline already gave it).
 */
export function baselineFor(report: Report): BaselineEntry[] {
  return report.checks
    .filter((c) => c.required && !passes(c))
    .map((c) => ({ check: c.id, reason: c.accepted?.reason ?? 'TODO', ...(c.accepted?.expires ? { expires: c.accepted.expires } : {}) }));
}

/** A baseline file's text: JSON, or YAML with a header that says how it is meant to be kept. */
export function formatBaseline(entries: readonly BaselineEntry[], as: 'yaml' | 'json'): string {
  if (as === 'json') return `${JSON.stringify({ accepted: entries }, null, 2)}\n`;
  const header = [
    '# golive baseline: failures accepted for now (golive certify --baseline FILE).',
    '# Give each a real reason and, where you can, a last day (expires: YYYY-MM-DD).',
    '# Review it like code: entries go away as checks pass (a stale one fails the run); none are added quietly.',
  ];
  return `${header.join('\n')}\n${stringify({ accepted: entries }, { lineWidth: 0 })}`;
}
