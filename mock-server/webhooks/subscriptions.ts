import { z } from 'zod';
import { GoliveError } from '../../errors.ts';
import { issueSentence } from '../../zod-issues.ts';
import type { DomainEvent, WebhookSigning } from '../domain/events.ts';
import { mask } from '../secrets.ts';

/** How the sender authenticates to the receiver (omnium-api.md A8: bearer, basic, or a custom header). */
export type WebhookAuth =
  /** `Authorization: Bearer <token>`: Omnium's recommended way. */
  | { type: 'bearer'; token: string }
  /** `Authorization: Basic base64(username:password)`. */
  | { type: 'basic'; username: string; password: string }
  /** A header of your own, e.g. `x-api-key`. */
  | { type: 'header'; name: string; value: string };

/** An event subscription with a Webhook connector, as configured in Omnium (A8, C1). */
export interface Subscription {
  /** `s1`, `s2`… unless given. */
  id?: string;
  name?: string;
  /** Omnium's base URL and request URI in one, normalised (`http://127.0.0.1:4000/hooks/orders`). */
  url: string;
  verb: 'POST' | 'PUT';
  auth?: WebhookAuth;
  /** Extra headers sent with every delivery (Omnium's "custom HTTP headers"). */
  headers?: Record<string, string>;
  /** Filters: every one given must hold. Class names, categories and statuses compare exactly. */
  classNames?: string[];
  categories?: string[];
  statuses?: string[];
  /** Store ids and market ids compare case-insensitively. */
  stores?: string[];
  markets?: string[];
  /** Only events with `isError: true`. */
  errorsOnly?: boolean;
  /** Per-attempt timeout in ms (default 10,000; Omnium's own value is unconfirmed, A10). */
  timeoutMs: number;
  /** When an https:// receiver turns out to speak plain HTTP, send the same attempt again over http://. */
  fallbackToHttp?: boolean;
  /** Signatures of each delivery (some platforms sign their webhooks instead of sending a configured secret). */
  signing?: WebhookSigning;
  /**
   * Events caused by these API users (their `userId`) are not sent here: a platform that keeps
   * an integration's own changes from coming back to it (a namespace) has this.
   */
  skipEventsBy?: string[];
  /**
   * Sent to only by `deliver` and `redeliver`, never by `publish`: a webhook registered through
   * the platform's own API, which the profile matches to events itself.
   */
  onDemand?: boolean;
}

export type { WebhookSigning } from '../domain/events.ts';

/** A subscription the sender holds: it has an id. */
export type RegisteredSubscription = Subscription & { id: string };

/** A subscription as shown to anyone after creation: secrets masked. */
export type SubscriptionView = RegisteredSubscription;

const NON_EMPTY = 'expected a non-empty string';
const nonEmpty = z.string({ error: NON_EMPTY }).min(1, { error: NON_EMPTY });

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** RFC 9110 field values: visible ASCII, space, tab and obs-text; no CR, LF or NUL (they would split the header). */
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const BAD_VALUE = 'may not contain CR, LF, NUL, control characters or characters beyond U+00FF';

/** Headers the sender writes itself. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection']);
const SIGNATURE_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];

const headerName = z
  .string({ error: 'expected a header name' })
  .regex(HEADER_NAME, { error: 'expected a header name (letters, digits and !#$%&\'*+.^_`|~-)' })
  .refine((n) => !RESERVED_HEADERS.has(n.toLowerCase()), { error: 'is set by the sender; choose another header' });
const headerValue = z.string({ error: 'expected a string' }).regex(HEADER_VALUE, { error: BAD_VALUE });

const authSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('bearer'), token: nonEmpty.regex(HEADER_VALUE, { error: BAD_VALUE }) }),
    z.strictObject({
      type: z.literal('basic'),
      username: z.string({ error: 'expected a string without ":"' }).regex(/^[^:\r\n\0]*$/, { error: 'expected a string without ":"' }),
      password: z.string({ error: 'expected a string' }),
    }),
    z.strictObject({ type: z.literal('header'), name: headerName, value: nonEmpty.regex(HEADER_VALUE, { error: BAD_VALUE }) }),
  ],
  { error: 'expected { type: "bearer", token }, { type: "basic", username, password } or { type: "header", name, value }' },
);

const URL_EXPECTED = 'expected an absolute http:// or https:// URL';

const urlSchema = z.string({ error: URL_EXPECTED }).transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: URL_EXPECTED, input: value });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `${URL_EXPECTED}, not ${url.protocol}`, input: value });
    return z.NEVER;
  }
  if (url.username || url.password) {
    // They would end up in logs; the auth field keeps them masked.
    ctx.addIssue({ code: 'custom', message: 'put credentials in auth, not in the URL', input: value });
    return z.NEVER;
  }
  url.hash = '';
  return url.href;
});

const list = (what: string) => z.array(nonEmpty, { error: `expected a list of ${what}` });

const TIMEOUT = 'expected a whole number of milliseconds from 1 to 600000';
const SECRET = 'expected a secret: whsec_ and base64, or any non-empty string';

const subscriptionSchema = z
  .strictObject(
    {
      id: z
        .string({ error: 'expected letters, digits, ".", "_" or "-" (at most 64)' })
        .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'expected letters, digits, ".", "_" or "-" (at most 64)' })
        .optional(),
      name: z.string({ error: 'expected a string' }).optional(),
      url: urlSchema,
      verb: z
        .string({ error: 'expected POST or PUT' })
        .transform((v) => v.toUpperCase())
        .pipe(z.enum(['POST', 'PUT'], { error: 'expected POST or PUT' }))
        .default('POST'),
      auth: authSchema.optional(),
      // Names are checked in superRefine: a record's key issue would hide its message.
      headers: z
        .record(z.string(), headerValue, { error: (issue) => (issue.code === 'invalid_type' ? 'expected an object of header names to strings' : undefined) })
        .optional(),
      classNames: list('class names (Order, Product…)').optional(),
      categories: list('categories (Created, Updated, Workflow, Deleted)').optional(),
      statuses: list('statuses').optional(),
      stores: list('store ids').optional(),
      markets: list('market ids').optional(),
      errorsOnly: z.boolean({ error: 'expected true or false' }).optional(),
      timeoutMs: z.number({ error: TIMEOUT }).int({ error: TIMEOUT }).min(1, { error: TIMEOUT }).max(600_000, { error: TIMEOUT }).default(10_000),
      fallbackToHttp: z.boolean({ error: 'expected true or false' }).optional(),
      signing: z
        .discriminatedUnion(
          'type',
          [
            z.strictObject({
              type: z.literal('standard-webhooks'),
              secret: z.string({ error: SECRET }).refine((s) => (s.startsWith('whsec_') ? /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(s) : s.length > 0), {
                error: SECRET,
              }),
            }),
            z.strictObject({ type: z.literal('hmac-sha256-hex'), header: headerName, secret: nonEmpty }),
          ],
          { error: 'expected { type: "standard-webhooks", secret } or { type: "hmac-sha256-hex", header, secret }' },
        )
        .optional(),
      skipEventsBy: list('API user ids').optional(),
      onDemand: z.boolean({ error: 'expected true or false' }).optional(),
    },
    { error: 'expected an object' },
  )
  .superRefine((sub, ctx) => {
    for (const name of Object.keys(sub.headers ?? {})) {
      const result = headerName.safeParse(name);
      if (!result.success) ctx.addIssue({ code: 'custom', path: ['headers', name], message: result.error.issues[0]?.message ?? 'expected a header name' });
    }
    const names = Object.keys(sub.headers ?? {}).map((n) => n.toLowerCase());
    const authHeader = sub.auth === undefined ? undefined : sub.auth.type === 'header' ? sub.auth.name.toLowerCase() : 'authorization';
    if (authHeader !== undefined && names.includes(authHeader)) {
      ctx.addIssue({ code: 'custom', path: ['headers', authHeader], message: 'is set by auth; give it in one place' });
    }
    if (sub.signing) {
      const signatureHeaders = sub.signing.type === 'standard-webhooks' ? SIGNATURE_HEADERS : [sub.signing.header.toLowerCase()];
      for (const n of signatureHeaders) {
        if (names.includes(n) || authHeader === n) ctx.addIssue({ code: 'custom', path: ['headers', n], message: 'is set by signing' });
      }
    }
  });

/** What `parseSubscription` accepts (before defaults and normalisation). */
export type SubscriptionInput = z.input<typeof subscriptionSchema>;

// The hand-written type carries the docs; this keeps it and the schema in step.
type Parsed = z.output<typeof subscriptionSchema>;
const _schemaMatchesType: Parsed extends Subscription ? (Subscription extends Parsed ? true : false) : false = true;
void _schemaMatchesType;

/**
 * Validates and normalises a webhook subscription (URL normalised, verb upper case, timeout
 * defaulted). Throws a `GoliveError` (`GOLIVE_ERR_BAD_REQUEST`) whose message names the field.
 * It does not judge the host; `WebhookSender.subscribe` does.
 *
 * @example
 * parseSubscription({ url: 'http://127.0.0.1:4000/hooks', auth: { type: 'bearer', token: 't0ken' } });
 * parseSubscription({ url: 'ftp://x' }); // throws "url: expected an absolute http:// or https:// URL, not ftp:"
 */
export function parseSubscription(input: unknown): Subscription {
  const result = subscriptionSchema.safeParse(input);
  if (!result.success) throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', issueSentence(result.error.issues[0], { subject: 'subscription' }));
  return result.data;
}

function includesIgnoreCase(list: readonly string[], value: string | undefined): boolean {
  if (value === undefined) return false;
  for (const item of list) {
    if (item.length === value.length && item.toLowerCase() === value.toLowerCase()) return true;
  }
  return false;
}

/**
 * Whether the subscription wants this event: every filter given must hold; an event without the
 * field a filter looks at (no `status`, no `storeId`) does not match that filter.
 */
export function matches(sub: Subscription, event: DomainEvent): boolean {
  if (sub.onDemand) return false;
  if (sub.skipEventsBy && typeof event.userId === 'string' && sub.skipEventsBy.includes(event.userId)) return false;
  if (sub.errorsOnly && !event.isError) return false;
  if (sub.classNames && !sub.classNames.includes(event.className)) return false;
  if (sub.categories && (event.category === undefined || !sub.categories.includes(event.category))) return false;
  if (sub.statuses && (event.status === undefined || !sub.statuses.includes(event.status))) return false;
  if (sub.stores && !includesIgnoreCase(sub.stores, event.storeId)) return false;
  if (sub.markets && !includesIgnoreCase(sub.markets, event.market)) return false;
  return true;
}

/**
 * The subscription with its secrets masked: the auth token, password or header value, the signing
 * secret, and the custom header values (Omnium's docs put API keys there).
 */
export function viewSubscription(sub: RegisteredSubscription): SubscriptionView {
  const view: SubscriptionView = { ...sub };
  if (sub.auth?.type === 'bearer') view.auth = { type: 'bearer', token: mask(sub.auth.token) };
  else if (sub.auth?.type === 'basic') view.auth = { type: 'basic', username: sub.auth.username, password: mask(sub.auth.password) };
  else if (sub.auth?.type === 'header') view.auth = { type: 'header', name: sub.auth.name, value: mask(sub.auth.value) };
  if (sub.signing) view.signing = { ...sub.signing, secret: mask(sub.signing.secret) };
  if (sub.headers) view.headers = Object.fromEntries(Object.entries(sub.headers).map(([k, v]) => [k, mask(v)]));
  return view;
}
