/**
 * `/api/v3/webhooks`: the tenant's webhook subscriptions, as an integration manages its own
 * (omnium-api.md B5 "Management API", C2; the SDK's `types/webhooks.ts`). Each trigger and
 * URL pair names at most one webhook; `namespace` names the integration that owns it.
 * Answers in Laravel's shapes (`../laravel.ts`). `activeWebhooks` is what deliveries read.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineEndpoint, type ApiRequest, type Endpoint, type ResolverContext } from '../../../handlers/endpoint.ts';
import { WEBHOOK_QUEUES, webhookSchema, type OmneoData, type Webhook, type WebhookQueue } from '../domain/index.ts';
import {
  bodyOf,
  data,
  dataSchema,
  invalid,
  noContent,
  notFound,
  nullableUnlessRequired,
  omneoTime,
  pageQuery,
  paginate,
  paginatedSchema,
  queryString,
  rules,
  sometimes,
  validate,
  type Rule,
  type RuleSet,
} from '../laravel.ts';

type Ctx = ResolverContext<OmneoData>;
type Errors = Record<string, string[]>;

const WEBHOOKS = '/api/v3/webhooks';
const TAG = 'Webhooks';

/**
 * The 422 of a trigger and URL pair another webhook already has. Which field Omneo names is
 * unconfirmed (the docs say only that the pair must be unique): golive names `url`, with
 * Laravel's `unique` message, as `Rule::unique('webhooks')->where('trigger', …)` on it would.
 */
export const URL_TAKEN = 'The url has already been taken.';

/** Where an invalid `queue` ends up: documented (omnium-api.md B5, "Invalid values fall back to low"). */
export const QUEUE_FALLBACK: WebhookQueue = 'low';

/**
 * The `queue` of a webhook made without one. Unconfirmed: the SDK's type allows `null`, which
 * golive takes to be a webhook that never named one (only an invalid value falls back to `low`).
 */
export const QUEUE_WHEN_ABSENT: WebhookQueue | null = null;

/** `is_active` of a webhook made without it. Unconfirmed: a new webhook delivers unless told not to. */
export const ACTIVE_BY_DEFAULT = true;

/** `retry_hourly` of a webhook made without it. Unconfirmed: the SDK types it a plain boolean, so not `null`; golive says no. */
export const RETRY_HOURLY_DEFAULT = false;

/** `retry_daily` of a webhook made without it. Unconfirmed: the SDK types it `boolean | null`; golive leaves it `null`. */
export const RETRY_DAILY_DEFAULT: boolean | null = null;

/** An absolute `http:` or `https:` URL with a host and no spaces; Laravel 8's `url` message. */
const httpUrl: Rule = {
  passes: (v) => {
    if (typeof v !== 'string' || /\s/.test(v)) return false;
    try {
      const url = new URL(v);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  },
  message: 'The :attribute format is invalid.',
};

/**
 * The rules of a webhook's fields on create; an update applies those of the fields it sends.
 * `trigger` is any string (the SDK's own test subscribes `profiles.create`, in no list of
 * triggers); `queue` has no rule: an invalid one falls back to `low`.
 */
const WEBHOOK_RULES: RuleSet = nullableUnlessRequired({
  trigger: [rules.required, rules.string],
  url: [rules.required, rules.string, httpUrl],
  namespace: [rules.required, rules.string],
  is_active: [rules.boolean],
  retry_hourly: [rules.boolean],
  retry_daily: [rules.boolean],
  condition: [rules.object],
});

const webhookWrite = {
  trigger: z.string(),
  url: z.string(),
  namespace: z.string(),
  is_active: z.boolean().optional(),
  queue: z.enum(WEBHOOK_QUEUES).nullable().optional(),
  retry_hourly: z.boolean().optional(),
  retry_daily: z.boolean().nullable().optional(),
  condition: z.record(z.string(), z.unknown()).nullable().optional(),
};
const createRequest = z.object(webhookWrite).meta({ id: 'OmneoWebhookRequest' });
const updateRequest = z
  .object({ ...webhookWrite, trigger: webhookWrite.trigger.optional(), url: webhookWrite.url.optional(), namespace: webhookWrite.namespace.optional() })
  .meta({ id: 'OmneoWebhookUpdateRequest' });
const webhookData = dataSchema(webhookSchema);

/**
 * The `user_id` a webhook records: the machine user whose token made it. Omneo's users have
 * integer ids (the SDK types `user_id: number`), golive's machine users string client ids: the
 * id is a number derived from the client id (unconfirmed how Omneo numbers users; the same
 * client id always gives the same number, across resets and runs).
 *
 * @example machineUserId('omneo-shopify-storefront') // the same number every time
 */
export function machineUserId(clientId: string | null): number {
  if (clientId === null) return 0;
  return Number.parseInt(createHash('sha256').update(clientId).digest('hex').slice(0, 7), 16) + 1;
}

/** Laravel's `boolean` values, as a boolean. */
const asBoolean = (v: unknown): boolean => v === true || v === 1 || v === '1';

/** The `queue` a sent value gives: a known one as is, none as `QUEUE_WHEN_ABSENT`, anything else `low`. */
export function queueOf(value: unknown): WebhookQueue | null {
  if (value === undefined || value === null || value === '') return QUEUE_WHEN_ABSENT;
  return (WEBHOOK_QUEUES as readonly unknown[]).includes(value) ? (value as WebhookQueue) : QUEUE_FALLBACK;
}

const hasErrors = (errors: Errors): boolean => Object.keys(errors).length > 0;

/** Case-insensitive, as MySQL's default collation compares the unique pair. */
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The rule errors of `body`, then the uniqueness of the trigger and URL it comes to (`self` excepted). */
function webhookErrors(db: OmneoData, body: Record<string, unknown>, ruleSet: RuleSet, self?: Webhook): Errors {
  const errors = validate(body, ruleSet);
  if (errors.trigger || errors.url) return errors;
  const trigger = (body.trigger as string | undefined) ?? self?.trigger;
  const url = (body.url as string | undefined) ?? self?.url;
  if (trigger === undefined || url === undefined) return errors;
  if (db.webhooks.all().some((w) => w.id !== self?.id && same(w.trigger, trigger) && same(w.url, url))) errors.url = [URL_TAKEN];
  return errors;
}

/**
 * A sent value as Laravel's `TrimStrings` and `ConvertEmptyStringsToNull` middleware hand it to
 * the controller: a blank string is `null` (the rules skip a blank value, so it gets this far).
 */
const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);

const sent = (value: unknown): unknown => (typeof value === 'string' && value.trim() === '' ? null : value);

/** The fields `body` sends, as stored: blanks as `null`, booleans from Laravel's boolean values, `queue` with its fallback. */
function writtenFields(raw: Record<string, unknown>): Partial<Webhook> {
  const body = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, sent(value)]));
  const fields: Partial<Webhook> = {};
  for (const key of ['trigger', 'url', 'namespace'] as const) if (typeof body[key] === 'string') fields[key] = body[key] as string;
  // A `null` is no value for these two (the rules skip it): the field keeps what it had.
  if (body.is_active !== undefined && body.is_active !== null) fields.is_active = asBoolean(body.is_active);
  if (body.retry_hourly !== undefined && body.retry_hourly !== null) fields.retry_hourly = asBoolean(body.retry_hourly);
  if ('retry_daily' in body) fields.retry_daily = body.retry_daily === null ? null : asBoolean(body.retry_daily);
  if ('queue' in body) fields.queue = queueOf(body.queue);
  // What passed the rules and is no object is blank (an empty array too): no condition.
  if ('condition' in body) fields.condition = isObject(body.condition) ? (body.condition as Webhook['condition']) : null;
  return fields;
}

/** A new webhook from a valid create body, made by the caller's token. */
function newWebhook(ctx: Ctx, body: Record<string, unknown>): Webhook {
  const at = omneoTime(ctx.now().getTime());
  return {
    id: ctx.db.nextWebhookId(),
    trigger: '',
    url: '',
    namespace: '',
    user_id: machineUserId(ctx.clientId),
    is_active: ACTIVE_BY_DEFAULT,
    retry_daily: RETRY_DAILY_DEFAULT,
    retry_hourly: RETRY_HOURLY_DEFAULT,
    queue: QUEUE_WHEN_ABSENT,
    condition: null,
    ...writtenFields(body),
    created_at: at,
    updated_at: at,
  };
}

/** The webhook of the path's `{id}`. */
const pathWebhook = (req: ApiRequest, ctx: Ctx): Webhook | undefined => ctx.db.webhooks.get(req.params.id ?? '');

/**
 * The active webhooks subscribed to `trigger` (exactly), oldest first: where a delivery of
 * that trigger goes. Pure: reads `db` only; the webhooks' `condition`s are not evaluated here.
 *
 * @example activeWebhooks(db, 'profile.updated') // [{ id: 1, url: 'https://…', namespace: 'loyalty-sync' }]
 */
export function activeWebhooks(db: OmneoData, trigger: string): Array<Pick<Webhook, 'id' | 'url' | 'namespace' | 'user_id'>> {
  return db.webhooks
    .all()
    .filter((w) => w.is_active && w.trigger === trigger)
    .map(({ id, url, namespace, user_id }) => ({ id, url, namespace, user_id }));
}

// ---------------------------------------------------------------------------------------
// Endpoints

const listEndpoint = defineEndpoint<OmneoData>({
  id: 'Webhooks_List',
  method: 'GET',
  path: WEBHOOKS,
  role: 'read-webhooks',
  tag: TAG,
  summary: 'List webhooks, oldest first (filter[namespace], filter[trigger]: exact; page[size], page[number])',
  request: { query: z.object({ 'filter[namespace]': z.string().optional(), 'filter[trigger]': z.string().optional(), ...pageQuery }) },
  response: paginatedSchema(webhookSchema),
  resolve: (req, ctx) => {
    // Exact matches (unconfirmed: a Laravel query builder may match a part): the starter app finds its own by namespace.
    const namespace = queryString(req, 'filter[namespace]');
    const trigger = queryString(req, 'filter[trigger]');
    const kept = ctx.db.webhooks.all().filter((w) => (!namespace || w.namespace === namespace) && (!trigger || w.trigger === trigger));
    return { status: 200, body: paginate(kept, req, WEBHOOKS) };
  },
});

const createEndpoint = defineEndpoint<OmneoData>({
  id: 'Webhooks_Create',
  method: 'POST',
  path: WEBHOOKS,
  role: 'create-webhooks',
  tag: TAG,
  summary: 'Create a webhook {trigger, url, namespace, is_active?, queue?, retry_hourly?, retry_daily?, condition?} (trigger + url unique)',
  request: { body: createRequest },
  response: webhookData,
  okStatus: 201,
  resolve: async (req, ctx) => {
    const body = bodyOf(req);
    const errors = webhookErrors(ctx.db, body, WEBHOOK_RULES);
    if (hasErrors(errors)) return invalid(errors);
    return data(await ctx.db.webhooks.insert(newWebhook(ctx, body)), 201);
  },
});

const getEndpoint = defineEndpoint<OmneoData>({
  id: 'Webhooks_Get',
  method: 'GET',
  path: `${WEBHOOKS}/{id}`,
  role: 'read-webhooks',
  tag: TAG,
  summary: 'Get a webhook',
  request: {},
  response: webhookData,
  resolve: (req, ctx) => {
    const webhook = pathWebhook(req, ctx);
    return webhook ? data(webhook) : notFound();
  },
});

const updateEndpoint = defineEndpoint<OmneoData>({
  id: 'Webhooks_Update',
  method: 'PUT',
  path: `${WEBHOOKS}/{id}`,
  role: 'update-webhooks',
  tag: TAG,
  summary: 'Update the fields sent of a webhook (trigger + url stay unique)',
  request: { body: updateRequest },
  response: webhookData,
  resolve: async (req, ctx) => {
    const current = pathWebhook(req, ctx);
    if (current === undefined) return notFound();
    const body = bodyOf(req);
    const errors = webhookErrors(ctx.db, body, sometimes(WEBHOOK_RULES, body), current);
    if (hasErrors(errors)) return invalid(errors);
    const next: Webhook = { ...current, ...writtenFields(body), updated_at: omneoTime(ctx.now().getTime()) };
    return data(await ctx.db.webhooks.replace(String(current.id), next));
  },
});

const deleteEndpoint = defineEndpoint<OmneoData>({
  id: 'Webhooks_Delete',
  method: 'DELETE',
  path: `${WEBHOOKS}/{id}`,
  role: 'delete-webhooks',
  tag: TAG,
  summary: 'Delete a webhook',
  request: {},
  response: null,
  okStatus: 204,
  resolve: (req, ctx) => {
    const webhook = pathWebhook(req, ctx);
    if (webhook === undefined) return notFound();
    ctx.db.webhooks.remove(String(webhook.id));
    return noContent();
  },
});

/** The webhook endpoints of C2. */
export const webhookEndpoints: readonly Endpoint<OmneoData>[] = [listEndpoint, createEndpoint, getEndpoint, updateEndpoint, deleteEndpoint];
