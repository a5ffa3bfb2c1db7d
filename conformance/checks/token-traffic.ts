import type { JournalEntry } from '../../mock-server/index.ts';
import type { Evidence } from '../../reports/model.ts';
import { isTokenRequest, requestEvidence } from './check.ts';
import type { Observations } from './observations.ts';

// ---- What a token request asked for ----

/**
 * The parameter an OAuth 2.0 token request names the permissions it asks for in (RFC 6749
 * §3.3: names separated by spaces). A platform whose token request has no such field asks
 * for nothing this way, and its tokens carry their user's permissions.
 */
const SCOPE_PARAM = 'scope';

/** The journal's mark of a body cut at its per-entry limit: the field after it may be cut too. */
const CUT_BODY = /…\[\d+ more\]$/;

/**
 * The permissions a token request asked for (the OAuth `scope` parameter, in the query, a form
 * body or a JSON body), or `null` when it named none, or its body was cut before it could be read.
 *
 * @example
 * askedFor(entry); // ['read-profiles', 'update-profiles'] for a body `…&scope=read-profiles+update-profiles`
 */
export function askedFor(e: JournalEntry): string[] | null {
  if (!isTokenRequest(e)) return null;
  let value: unknown = e.query[SCOPE_PARAM];
  const body = e.requestBody?.trim() ?? '';
  if (value === undefined && body && !CUT_BODY.test(body)) {
    if (body.startsWith('{')) {
      try {
        value = (JSON.parse(body) as Record<string, unknown>)[SCOPE_PARAM];
      } catch {
        // Not JSON after all: nothing read.
      }
    } else {
      value = new URLSearchParams(body).get(SCOPE_PARAM) ?? undefined;
    }
  }
  const names = typeof value === 'string' ? value.split(/\s+/) : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
  return names && names.filter(Boolean);
}

// ---- A field name copied with its punctuation ----

/** A field a token request sent under its name with punctuation after it (`scope:` for `scope`), which the endpoint does not take. */
export interface MisspelledField {
  /** The name as sent, up to its punctuation (`scope:`): never the value a `name: value` key may carry after it. */
  sent: string;
  /** The name it stands for (`scope`). */
  meant: string;
  /** The punctuation after the name (`:`). */
  mark: string;
}

/**
 * A field name, perhaps quoted, with punctuation after it, perhaps followed by a value (a
 * `name: value` line sent as one field name): `scope:`, `"scope":`, `scope: read-profiles`.
 */
const NAME_WITH_MARK = /^(["'`]?)([A-Za-z_][\w-]*)\1\s*([:=;,.]+)(?:\s.*)?$/s;

/**
 * The fields of a token request that the endpoint does not take (`unaccepted`) and that are a
 * field name with punctuation after it, as an example written `name: value` reads when copied
 * into a form. A name whose bare form is not taken either is no misspelling of one that is.
 */
export function misspelledFields(e: JournalEntry): MisspelledField[] {
  if (!isTokenRequest(e) || !e.unaccepted) return [];
  const out: MisspelledField[] = [];
  for (const name of e.unaccepted) {
    const place = /^(body|query)\.(.+)$/s.exec(name);
    const found = place && NAME_WITH_MARK.exec(place[2]!);
    if (!place || !found) continue;
    const [, quote, meant, mark] = found as unknown as [string, string, string, string];
    if (e.unaccepted.some((n) => n.toLowerCase() === `${place[1]}.${meant}`.toLowerCase())) continue;
    const sent = `${quote}${meant}${quote}${mark}`;
    if (!out.some((f) => f.sent === sent)) out.push({ sent, meant, mark });
  }
  return out;
}

/** Token requests that sent a field name with its punctuation, and what came of the tokens they got. */
export interface FieldMistake {
  /** The token requests with such a field. */
  requests: JournalEntry[];
  /** Every such field, once. */
  fields: MisspelledField[];
  /** The calls (of those judged) that presented a token one of those requests got. */
  calls: JournalEntry[];
  /** Those refused with 403 for a permission their token lacked (`denied: missing <noun> <name>`). */
  refused: JournalEntry[];
}

/** A call refused for a permission: `missing <noun> <name>` (a role, a scope…), as the mock journals it. */
export const refusedForPermission = (e: JournalEntry): boolean => e.status === 403 && (e.denied ?? '').startsWith('missing ');

/**
 * The token requests of the test run that sent a field name with its punctuation (`scope:`),
 * and which of `calls` presented their tokens and were refused with 403 for a permission; `null`
 * when no token request did. The requests are those whose tokens `calls` presented, or every
 * such request when none was.
 */
export function fieldMistake(obs: Observations, calls: readonly JournalEntry[]): FieldMistake | null {
  const all = obs.journal.filter((e) => e.environment === 'test' && misspelledFields(e).length > 0);
  if (all.length === 0) return null;
  const byToken = new Map(all.flatMap((e) => (e.issued ? [[e.issued.tokenId, e] as const] : [])));
  const withToken = calls.filter((e) => e.tokenId !== null && byToken.has(e.tokenId));
  const used = [...new Set(withToken.map((e) => byToken.get(e.tokenId!)!))];
  const requests = used.length > 0 ? used : all;
  const fields: MisspelledField[] = [];
  for (const f of requests.flatMap(misspelledFields)) if (!fields.some((g) => g.sent === f.sent)) fields.push(f);
  return { requests, fields, calls: withToken, refused: withToken.filter(refusedForPermission) };
}

const MARK_NAMES: Record<string, string> = { ':': 'colon', '=': 'equals sign', ';': 'semicolon', ',': 'comma', '.': 'full stop' };

/** `a`, `a and b`, `a, b and c`. */
export function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/**
 * The mistake in words, and what to send instead: `noun` is the platform's word for a
 * permission (`scope`), `needed` the ones the calls need, when known.
 *
 * @example
 * // "The token request sent the field `scope:` (with a colon, as in an example written `scope: …`), which the token
 * // endpoint does not take, so the token was issued without the scopes the calls needed and 12 of 12 calls made
 * // with it were refused with 403: send `scope` (no colon) with the scopes the integration needs (read-profiles)."
 */
export function describeMistake(m: FieldMistake, noun: string, needed: readonly string[] = []): string {
  const one = m.requests.length === 1;
  const who = one ? 'The token request' : `${m.requests.length} token requests`;
  const marks = new Set(m.fields.map((f) => f.mark));
  const markName = marks.size === 1 ? MARK_NAMES[[...marks][0]!] : undefined;
  const withMark = markName ? `with ${/^[aeiou]/.test(markName) ? 'an' : 'a'} ${markName}` : 'with punctuation after the name';
  const first = m.fields[0]!;
  const example = first.mark === ':' ? `, as in an example written \`${first.meant}: …\`` : '';
  const sent = listed(m.fields.map((f) => `\`${f.sent}\``));
  const what = m.fields.length === 1 ? `the field ${sent} (${withMark}${example}), which` : `the fields ${sent} (each ${withMark}${example}), which`;
  let consequence = '';
  if (m.refused.length > 0) {
    consequence = `, so ${one ? 'the token was' : 'the tokens were'} issued without the ${noun}s the calls needed and ${m.refused.length} of ${m.calls.length} call(s) made with ${one ? 'it' : 'them'} were refused with 403`;
  } else if (!m.requests.some((e) => e.issued)) {
    consequence = `, and ${one ? 'it was' : 'they were'} answered ${listed([...new Set(m.requests.map((e) => String(e.status)))])}`;
  }
  const bare = listed(m.fields.map((f) => `\`${f.meant}\``));
  const instead = `send ${bare} (${markName ? `no ${markName}` : 'without the punctuation'})`;
  const scopes = m.refused.length > 0 ? ` with the ${noun}s the integration needs${needed.length ? ` (${needed.join(', ')})` : ''}` : '';
  return `${who} sent ${what} the token endpoint does not take${consequence}: ${instead}${scopes}.`;
}

/** The first token request with the mistake, and the first call refused because of it. */
export function mistakeEvidence(obs: Observations, m: FieldMistake): Evidence[] {
  const request = m.requests[0]!;
  const refused = m.refused[0];
  return [
    requestEvidence(obs, request, `sent ${listed(misspelledFields(request).map((f) => `"${f.sent}"`))}, not taken by the endpoint`),
    ...(refused ? [requestEvidence(obs, refused, `403: ${refused.denied}`)] : []),
  ];
}

/**
 * Why `calls` were refused with 403, when a token request's misspelled field is the reason: the
 * sentence to add to a check's summary and its evidence; `null` when it is not the reason.
 */
export function refusalsExplained(obs: Observations, calls: readonly JournalEntry[]): { text: string; evidence: Evidence[]; refused: readonly JournalEntry[] } | null {
  const m = fieldMistake(obs, calls);
  if (!m || m.refused.length === 0) return null;
  return { text: describeMistake(m, obs.permissions.noun), evidence: mistakeEvidence(obs, m), refused: m.refused };
}
