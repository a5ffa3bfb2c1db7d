import { hash } from 'node:crypto';
import { mask } from '../secrets.ts';
import type { SecretKind } from './journal.ts';

const JWT = /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}/g;
const JWT_WHOLE = /^eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{10,}$/;
/** Parameter names whose values are secrets whatever they hold. */
const SECRET_NAMES = /secret|token|password|passwd|api[-_]?key|apikey|signature|authorization/i;
/** Runs that could be a secret: long enough and made of the characters secrets are made of. */
const CANDIDATE = /[A-Za-z0-9_\-.~+/=]{16,}/g;

/** A form field, `name=value` at the start, after `&` or `?`, or after a space: its head and its value. */
const FORM_FIELD = /((?:^|[&?\s])[^&=\s]*=)([^&\s]*)/g;
/** An escape a form value may hide a secret behind: a `+` (a space) or a percent-escape. */
const ESCAPED = /[+%]/;

/** Every secret the mock hands out (client secrets, tokens, webhook and admin secrets) is at least this long. */
const MIN_SECRET_LENGTH = 16;

/** Texts at most that `SecretIndex.kindIn` remembers as holding no secret, and the longest it keeps. */
const CLEAN_KEPT = 10_000;
const CLEAN_MAX_LENGTH = 256;

/** crypto.hash: one call, no Hash object (a token request's body costs several). */
const sha256hex = (s: string) => hash('sha256', s, 'hex');

/**
 * Recognises the secrets the mock knows (client secrets, tokens, webhook secrets, the
 * admin token) by their sha256, without keeping any of them in clear.
 */
export class SecretIndex {
  readonly #kinds = new Map<string, SecretKind>();
  /**
   * Texts `kindIn` found to be and hold no secret, since the last secret was added: the same
   * store and market ids come back in answer after answer, and a look-up here costs no hash.
   * Only such texts are kept (never a secret), and all are forgotten when a secret is added.
   */
  readonly #clean = new Set<string>();
  #version = 0;

  /**
   * A JWT added as a token is not kept: any JWT is a token to the index by its shape (`JWT`,
   * `JWT_WHOLE`), found and masked wherever it is, so its hash would add nothing. One was kept
   * per token issued and never dropped (millions under a load test; a fifth of a token
   * request's CPU went to hashing it and to the garbage).
   */
  add(kind: SecretKind, value: string): void {
    if (kind === 'token' && JWT_WHOLE.test(value)) return;
    this.#kinds.set(sha256hex(value), kind);
    this.#changed();
  }

  /** Increases whenever a secret is added: what was worked out with the index before may have to be again. */
  get version(): number {
    return this.#version;
  }

  #changed(): void {
    this.#version++;
    this.#clean.clear();
  }

  /** Hashes kept: for tests. */
  get size(): number {
    return this.#kinds.size;
  }

  /** Registers a secret known only by its sha256 digest. */
  addHash(kind: SecretKind, digest: Buffer): void {
    this.#kinds.set(digest.toString('hex'), kind);
    this.#changed();
  }

  /** The kind of secret `value` is, if it is one (any JWT counts as a token). */
  kindOf(value: string): SecretKind | undefined {
    // Every secret the mock hands out is 16 characters or more: shorter values cost no hash.
    if (value.length < MIN_SECRET_LENGTH) return undefined;
    return this.#kinds.get(sha256hex(value)) ?? (JWT_WHOLE.test(value) ? 'token' : undefined);
  }

  /** The kind of a known secret `text` is or holds (a run of it: `" <secret>"`, `note:<secret>`), if any. */
  kindIn(text: string): SecretKind | undefined {
    if (text.length < MIN_SECRET_LENGTH || this.#clean.has(text)) return undefined;
    const whole = this.kindOf(text);
    if (whole) return whole;
    for (const candidate of secretCandidates(text)) {
      const kind = this.kindOf(candidate);
      if (kind) return kind;
    }
    // Bounded in count and in size (ids, not bodies): a client sending a new text each time
    // costs a clear now and then, not memory.
    if (text.length > CLEAN_MAX_LENGTH) return undefined;
    if (this.#clean.size >= CLEAN_KEPT) this.#clean.clear();
    this.#clean.add(text);
    return undefined;
  }

  /** `text` with every known secret and every JWT replaced by its masked form. */
  redact(text: string): string {
    const jwtFree = text.replace(JWT, (m) => mask(m));
    const runsFree = jwtFree.replace(CANDIDATE, (m) => {
      if (this.#kinds.has(sha256hex(m))) return mask(m);
      if (!m.includes('=')) return m;
      // A run that holds `name=value` (or `%3A=value`, a form field named `password:`): its pieces.
      return m
        .split('=')
        .map((piece) => (piece.length >= MIN_SECRET_LENGTH && this.#kinds.has(sha256hex(piece)) ? mask(piece) : piece))
        .join('=');
    });
    // A form field whose value hides a secret behind an escape (`clientId=+<secret>`, `%20<secret>`): decoded, it is found.
    if (!ESCAPED.test(runsFree)) return runsFree;
    return runsFree.replace(FORM_FIELD, (field, head: string, value: string) => {
      if (!ESCAPED.test(value)) return field;
      let decoded: string;
      try {
        decoded = decodeURIComponent(value.replace(/\+/g, ' '));
      } catch {
        return field;
      }
      return this.kindIn(decoded) ? `${head}${masked(decoded, this)}` : field;
    });
  }
}

export interface UrlSecret {
  kind: SecretKind;
  where: 'path' | 'query';
  param?: string;
}

/**
 * Masks the secrets of a query and says which known secrets were in it: a value that is a secret
 * or holds one (after a space, a prefix), a value under a secret's name, and a parameter's name
 * that is or holds a secret (`?<token>`: a token sent as the whole query string).
 */
export function redactQuery(
  query: Readonly<Record<string, string | string[] | undefined>>,
  index: SecretIndex,
): { query: Record<string, string | string[]>; found: UrlSecret[] } {
  const out: Record<string, string | string[]> = {};
  const found: UrlSecret[] = [];
  const one = (param: string, shown: string, value: string) => {
    const whole = index.kindOf(value);
    const kind = whole ?? index.kindIn(value);
    if (kind) found.push({ kind, where: 'query', param: shown });
    if (whole || SECRET_NAMES.test(param)) return mask(value);
    return kind ? index.redact(value) : value;
  };
  for (const [param, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const nameKind = index.kindIn(param);
    const shown = nameKind === undefined ? param : masked(param, index);
    if (nameKind) found.push({ kind: nameKind, where: 'query', param: shown });
    out[shown] = Array.isArray(value) ? value.map((v) => one(param, shown, v)) : one(param, shown, value);
  }
  return { query: out, found };
}

/** A text known to be or hold a secret, masked: wholly when it is one, else the secrets in it. */
function masked(text: string, index: SecretIndex): string {
  return index.kindOf(text) ? mask(text) : index.redact(text);
}

/** `text` as the journal may show it: as it is, unless it is or holds a known secret, which is masked. */
export function shown(text: string, index: SecretIndex): string {
  return index.kindIn(text) ? masked(text, index) : text;
}

const NONE_FOUND: readonly UrlSecret[] = Object.freeze([]);

/** Whether some segment of `path` is long enough to be a secret (decoding never lengthens one). */
function hasLongSegment(path: string): boolean {
  let start = 0;
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', start)) {
    if (slash - start >= MIN_SECRET_LENGTH) return true;
    start = slash + 1;
  }
  return path.length - start >= MIN_SECRET_LENGTH;
}

/** Known secrets found among the segments of a path (a segment that is one or holds one), and the path with them masked. */
export function redactPath(path: string, index: SecretIndex): { path: string; found: readonly UrlSecret[] } {
  // Most paths hold only short segments (`/api/Orders/ORD-1`): nothing to split or decode.
  if (!hasLongSegment(path)) return { path, found: NONE_FOUND };
  const found: UrlSecret[] = [];
  const redacted = path
    .split('/')
    .map((segment) => {
      let decoded = segment;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        // a malformed escape is kept as it came
      }
      const kind = index.kindIn(decoded);
      if (!kind) return segment;
      found.push({ kind, where: 'path' });
      return masked(decoded, index);
    })
    .join('/');
  return { path: redacted, found };
}

/**
 * The runs of `text` that could be a secret, for `SecretIndex.kindOf`: every JWT, every run
 * of the characters secrets are made of, and the value after each `=` in such a run (a form
 * field `clientSecret=…`, a header `key=…`). Read, never kept.
 */
export function* secretCandidates(text: string): Generator<string> {
  yield* text.match(JWT) ?? [];
  for (const run of text.match(CANDIDATE) ?? []) {
    yield run;
    if (!run.includes('=')) continue;
    for (const piece of run.split('=')) if (piece.length >= MIN_SECRET_LENGTH) yield piece;
  }
}

/**
 * Characters past the cut a long body is redacted over, so a secret that starts before the cut
 * is masked whole rather than cut into a piece no lookup knows (the longest secret the mock
 * hands out, a token with many scopes, is well under this).
 */
const REDACT_PAST_CUT = 4_096;

/** A body for the journal: secrets masked, then cut at `max` characters. */
export function redactBody(body: string, index: SecretIndex, max: number): string {
  const over = body.length > max;
  // Form fields such as clientSecret=… are masked by name as well as by value.
  // A field name may end in a URL-encoded colon (`password%3A=`: a form copied from `password: …`).
  const masked = index
    .redact(over ? body.slice(0, max + REDACT_PAST_CUT) : body)
    .replace(/((?:^|[&?\s"{,])[\w-]*(?:secret|token|password|api[-_]?key)[\w-]*(?:%3A)?"?\s*[=:]\s*"?)([^&"\s,}]+)/gi, (_m, head: string, value: string) =>
      `${head}${value.includes('…') ? value : mask(value)}`,
    );
  return over ? `${masked.slice(0, max)}…[${body.length - max} more]` : masked;
}
