import { mask } from '../../mock-server/index.ts';
/**
 * Recognises the run's secrets (client secrets, issued tokens, the webhook secret) in text:
 * the integration's output, its files, its git history. Secrets are held in memory only.
 */

/**
 * `customer-token`: a token that speaks for one end customer of the platform (Omneo's ID token,
 * got by the Shopify flow): masked like the others, but it belongs in that customer's browser.
 */
export type SecretKind = 'client-secret' | 'token' | 'customer-token' | 'webhook-secret' | 'platform-secret';

/** How a secret appeared: whole, as a leading part, or base64-encoded. */
export type SecretHow = 'full' | 'prefix' | 'base64';

export interface SecretInput {
  kind: SecretKind;
  value: string;
  /** The client id that goes with a client secret, so `base64(id:secret)` (Basic auth) is recognised whole. */
  id?: string;
}

/** One occurrence of a secret in a text. Never holds the secret, only its masked form. */
export interface SecretHit {
  kind: SecretKind;
  /** The secret's masked form (`eyJh…Q2x8`), the same whichever way it appeared. */
  masked: string;
  how: SecretHow;
  /** Where in the text the occurrence starts, and its length (UTF-16 units). */
  index: number;
  length: number;
}

export interface SecretScanner {
  /** Adds a secret to look for; adding the same value twice is harmless. */
  add(secret: SecretInput): void;
  /** Every occurrence of a known secret in `text`, in order, without overlaps. */
  scan(text: string): SecretHit[];
  /** `text` with every occurrence replaced by the secret's masked form. */
  mask(text: string): string;
  /** `scan` and `mask` in one pass. */
  redact(text: string): { text: string; hits: SecretHit[] };
  /** How many secrets are known. */
  readonly size: number;
}

/**
 * The masked form of a secret, as every report shows it: at most 4 characters at each end
 * (`eyJh…Q2x8` from 16 characters on, `ab…yz` from 8, `…` below).
 */
export const maskSecret = mask;

/** Characters every needle is found by: a window of this many, hashed while rolling along the text. */
const ANCHOR = 12;
/** The shortest prefix of a client or webhook secret that counts as the secret. */
const MIN_PREFIX = 12;
/** Characters of a JWT's payload that identify that one token (past its leading claim's name and into its value). */
const JWT_PAYLOAD_PREFIX = 24;
/** Secrets shorter than this are ignored: they would match ordinary words. */
const MIN_SECRET = 4;
const HASH_BASE = 0x01000193;
const BLOOM_BITS = 1 << 16;

interface Secret {
  kind: SecretKind;
  masked: string;
}

/** A string whose occurrence (extended as far as it goes along `base`) reveals `secret`. */
interface Target {
  secret: Secret;
  /** The text a match is extended along, from the needle's start. */
  base: string;
  /** `how` when the whole of `base` matched, and when only part of it did. */
  whole: SecretHow;
  part: SecretHow;
}

interface Needle {
  text: string;
  /** Offset in `text` of the window the rolling hash finds it by. */
  anchorAt: number;
  targets: Target[];
}

interface Match {
  start: number;
  end: number;
  secret: Secret;
  how: SecretHow;
}

function windowHash(text: string, from: number): number {
  let h = 0;
  for (let i = from; i < from + ANCHOR; i++) h = (Math.imul(h, HASH_BASE) + text.charCodeAt(i)) | 0;
  return h;
}

/** HASH_BASE ** (ANCHOR - 1), modulo 2^32: the weight of the character leaving the window. */
const OUTGOING_WEIGHT = (() => {
  let w = 1;
  for (let i = 1; i < ANCHOR; i++) w = Math.imul(w, HASH_BASE);
  return w;
})();

const JWT_SHAPE = /^(eyJ[A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

/**
 * The substrings of base64(…value…) that are the same wherever `value` sits in the encoded
 * data: one per alignment (value starting at byte 0, 1 or 2 of a 3-byte group), without
 * the characters that also depend on neighbouring bytes. Standard and URL-safe alphabets.
 */
function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const cores = new Set<string>();
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64').replace(/=+$/, '');
    const from = Math.ceil((shift * 8) / 6);
    const to = Math.floor(((shift + bytes.length) * 8) / 6);
    const core = encoded.slice(from, to);
    if (core.length >= ANCHOR) {
      cores.add(core);
      cores.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...cores];
}

function commonPrefixLength(text: string, at: number, base: string): number {
  const max = Math.min(base.length, text.length - at);
  let n = 0;
  while (n < max && text.charCodeAt(at + n) === base.charCodeAt(n)) n++;
  return n;
}

/**
 * A scanner for the run's secrets.
 *
 * Matching rule:
 * - A client secret or webhook secret counts when it appears in full, as a prefix of 12 or
 *   more characters, or base64-encoded anywhere inside base64 data (which includes
 *   `base64(clientId:secret)`, the Basic auth form; give `id` to have that matched whole).
 *   Its URL-encoded form counts like the secret itself.
 * - A JWT counts when it appears in full, when its header is followed by 12 or more
 *   characters of its payload, or when 12 or more leading characters of its signature
 *   appear (reported as `prefix`). The header alone is the same for every token and proves
 *   nothing. A token that is not a JWT is matched like a client secret.
 * - Secrets shorter than 12 characters are matched only in full; shorter than 4, not at all.
 *
 * Cost: every needle is found through a 12-character window hashed while rolling along the
 * text (one multiply-add per character and a bit-table probe), so a line that holds no
 * secret costs one pass over its characters, whatever the number of secrets.
 * @example
 * const scanner = createSecretScanner();
 * scanner.add({ kind: 'client-secret', value: secret, id: clientId });
 * scanner.mask(`secret=${secret}`); // 'secret=s3cR…9xQa'
 */
export function createSecretScanner(): SecretScanner {
  const known = new Set<string>();
  const needles = new Map<string, Needle>();
  const byHash = new Map<number, Needle[]>();
  const bloom = new Uint8Array(BLOOM_BITS >> 3);
  /** Needles shorter than the window, looked for with indexOf. */
  const short: Needle[] = [];

  const addNeedle = (text: string, anchorAt: number, target: Target): void => {
    let needle = needles.get(text);
    if (!needle) {
      needle = { text, anchorAt, targets: [] };
      needles.set(text, needle);
      if (text.length < ANCHOR) {
        short.push(needle);
      } else {
        const h = windowHash(text, anchorAt);
        const slot = h & (BLOOM_BITS - 1);
        bloom[slot >> 3]! |= 1 << (slot & 7);
        const list = byHash.get(h);
        if (list) list.push(needle);
        else byHash.set(h, [needle]);
      }
    }
    needle.targets.push(target);
  };

  /** Full, prefix, URL-encoded and base64 needles of a secret that is not a JWT. */
  const addOpaque = (secret: Secret, value: string, id: string | undefined): void => {
    const forms = new Set([value, encodeURIComponent(value)]);
    for (const form of forms) {
      if (form.length < MIN_PREFIX) addNeedle(form, 0, { secret, base: form, whole: 'full', part: 'full' });
      else addNeedle(form.slice(0, MIN_PREFIX), 0, { secret, base: form, whole: 'full', part: 'prefix' });
    }
    const encodedSources = id === undefined ? [value] : [value, `${id}:${value}`];
    for (const source of encodedSources) {
      for (const core of base64Cores(source)) addNeedle(core, 0, { secret, base: core, whole: 'base64', part: 'base64' });
    }
  };

  const add = ({ kind, value, id }: SecretInput): void => {
    if (value.length < MIN_SECRET || known.has(value)) return;
    known.add(value);
    const secret: Secret = { kind, masked: maskSecret(value) };
    const jwt = JWT_SHAPE.exec(value);
    if (!jwt) return addOpaque(secret, value, id);
    const [, header, payload, signature] = jwt as unknown as [string, string, string, string];
    const head = `${header}.${payload.slice(0, JWT_PAYLOAD_PREFIX)}`;
    // Found by its payload's first characters: the header is shared by every token, and the
    // payload's first dozen characters by every token of one user (the same leading claim).
    addNeedle(head, header.length + 1, { secret, base: value, whole: 'full', part: 'prefix' });
    if (signature.length >= MIN_PREFIX) {
      addNeedle(signature.slice(0, MIN_PREFIX), 0, { secret, base: signature, whole: 'prefix', part: 'prefix' });
    }
  };

  /** The longest reading of `needle` found to start at `start`. */
  const extend = (text: string, start: number, needle: Needle, out: Match[]): void => {
    let best: Match | undefined;
    for (const target of needle.targets) {
      const n = commonPrefixLength(text, start, target.base);
      if (n < needle.text.length) continue;
      if (!best || n > best.end - start) {
        best = { start, end: start + n, secret: target.secret, how: n === target.base.length ? target.whole : target.part };
      }
    }
    if (best) out.push(best);
  };

  const matches = (text: string): Match[] => {
    const found: Match[] = [];
    if (needles.size === 0) return found;
    if (text.length >= ANCHOR && byHash.size > 0) {
      let h = windowHash(text, 0);
      for (let p = 0; ; p++) {
        const slot = h & (BLOOM_BITS - 1);
        if (bloom[slot >> 3]! & (1 << (slot & 7))) {
          for (const needle of byHash.get(h) ?? []) {
            const start = p - needle.anchorAt;
            if (start >= 0 && text.startsWith(needle.text, start)) extend(text, start, needle, found);
          }
        }
        if (p + ANCHOR >= text.length) break;
        h = (Math.imul(h - Math.imul(text.charCodeAt(p), OUTGOING_WEIGHT), HASH_BASE) + text.charCodeAt(p + ANCHOR)) | 0;
      }
    }
    for (const needle of short) {
      for (let at = text.indexOf(needle.text); at !== -1; at = text.indexOf(needle.text, at + 1)) {
        extend(text, at, needle, found);
      }
    }
    if (found.length < 2) return found;
    // Earliest first, longest first among equals; a match inside a kept one is the same occurrence.
    found.sort((a, b) => a.start - b.start || b.end - a.end);
    const kept: Match[] = [];
    for (const m of found) {
      const last = kept[kept.length - 1];
      if (!last || m.start >= last.end) kept.push(m);
      else if (m.end > last.end) last.end = m.end;
    }
    return kept;
  };

  const toHit = (m: Match): SecretHit => ({
    kind: m.secret.kind,
    masked: m.secret.masked,
    how: m.how,
    index: m.start,
    length: m.end - m.start,
  });

  const redact = (text: string): { text: string; hits: SecretHit[] } => {
    const found = matches(text);
    if (found.length === 0) return { text, hits: [] };
    let out = '';
    let from = 0;
    for (const m of found) {
      out += text.slice(from, m.start) + m.secret.masked;
      from = m.end;
    }
    return { text: out + text.slice(from), hits: found.map(toHit) };
  };

  return {
    add,
    scan: (text) => matches(text).map(toHit),
    mask: (text) => redact(text).text,
    redact,
    get size() {
      return known.size;
    },
  };
}
