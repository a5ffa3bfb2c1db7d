/**
 * Zod's issues as golive's one-line validation sentences, `field.path: what is wrong`, shared by
 * the fault rules, webhook subscriptions, the admin API and the scenario loader. (The config
 * loader words every issue in full, with the value it got; see `conformance/config/issues.ts`.)
 */
import type { z } from 'zod';

/** A zod path as dotted field names: `match.probability`, `actions.0.rule`; '' for the value itself. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** How `issueSentence` names what it cannot take from the issue. */
export interface IssueWording {
  /** The value itself, for an issue about the whole of it (or no issue): `rule` in `rule: invalid`. */
  subject: string;
  /**
   * Unknown keys as `<where>: <this>`, where a caller has always listed them so
   * (`unknown field(s) colour, size`). Without it each key is named by its own path:
   * `match.pth: unknown field`.
   */
  unknownKeys?: (keys: readonly string[]) => string;
}

/**
 * One zod issue (the first a parse found) as one sentence naming its field.
 *
 * @example
 * issueSentence(result.error.issues[0], { subject: 'rule' }); // "match.probability: expected a number from 0 to 1"
 */
export function issueSentence(issue: z.core.$ZodIssue | undefined, wording: IssueWording): string {
  if (!issue) return `${wording.subject}: invalid`;
  const where = fieldPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    if (wording.unknownKeys) return `${where || wording.subject}: ${wording.unknownKeys(issue.keys)}`;
    const fields = issue.keys.map((k) => (where ? `${where}.${k}` : k)).join(', ');
    return `${fields}: unknown field${issue.keys.length > 1 ? 's' : ''}`;
  }
  return `${where || wording.subject}: ${issue.message}`;
}
