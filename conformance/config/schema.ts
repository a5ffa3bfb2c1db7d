/**
 * The config file's schema (contract.md, "Configuration file"). Every object is strict, so
 * a misspelt key is an error that names it; every key has a default except
 * `integration.command`, which may also come from the command line.
 */
import { z } from 'zod';
import { DEFAULT_PROFILE, PROFILES } from '../../mock-server/index.ts';
import { ENV_NAME_KEYS, type EnvNameKey } from './env-names.ts';

/** How the harness knows the integration is ready, once the config is read. */
export type ConfigReadyWhen = { log: string } | { url: string } | { delayMs: number };

const HTTP_URL = /^https?:\/\//i;

const isHttpUrl = (value: string): boolean => HTTP_URL.test(value) && URL.canParse(value);

/** Why `source` is not a regular expression, or undefined when it is one. */
function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const nonEmpty = z.string().min(1);
const envVarName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name (letters, digits and _)' });
const durationMs = z.int().min(0);
const scopeList = z.union([z.literal('*'), z.array(nonEmpty)], { error: '"*" (all) or an array of ids' });

const readyWhen = z
  .union(
    [
      nonEmpty,
      z.strictObject({ log: nonEmpty }),
      z.strictObject({ url: nonEmpty }),
      z.strictObject({ delayMs: durationMs }),
    ],
    { error: 'a log-line pattern, an http(s) URL, { log }, { url } or { delayMs }' },
  )
  .transform((value, ctx): ConfigReadyWhen => {
    const form: ConfigReadyWhen =
      typeof value !== 'string' ? value : HTTP_URL.test(value) ? { url: value } : { log: value };
    if ('url' in form && !isHttpUrl(form.url)) {
      ctx.issues.push({ code: 'custom', message: 'an http(s) URL', input: form.url });
      return z.NEVER;
    }
    const problem = 'log' in form ? regexProblem(form.log) : undefined;
    if (problem !== undefined) {
      ctx.issues.push({ code: 'custom', message: `a regular expression (${problem})`, input: value });
      return z.NEVER;
    }
    return form;
  });

const envNames = z.strictObject(
  Object.fromEntries(ENV_NAME_KEYS.map((key) => [key, envVarName.optional()])) as Record<
    EnvNameKey,
    z.ZodOptional<typeof envVarName>
  >,
);

const integration = z.strictObject({
  /** A shell command line (run by /bin/sh) or an argv array (run directly). */
  command: z.union([nonEmpty, z.array(nonEmpty).min(1)], { error: 'a command string or an argv array' }).optional(),
  /** Folder the command runs in; default the config file's folder. */
  cwd: nonEmpty.optional(),
  mode: z.enum(['service', 'job']).default('service'),
  /** Job mode: the pause between the end of one run and the next trigger. */
  jobIntervalMs: z.number().int().min(0).default(1_000),
  /**
   * Job mode: each run is handed a token cache folder (`GOLIVE_TOKEN_CACHE_DIR`, outside the
   * workspace, standing in for a secret store) and must reuse its token across runs; `false`
   * says the job can keep no state between runs, and one token per run is then allowed.
   */
  tokenCache: z.boolean().default(true),
  env: z.record(z.string(), z.string()).default({}),
  /**
   * How many instances of the integration certify may run at once (besides the production and
   * bad-TLS runs): the phases that judge only traffic run in instances of their own, beside the
   * others. Absent (the default): every lane; `1`: one instance goes through every phase in turn.
   */
  instances: z.int().min(1).optional(),
  /**
   * The integration reads the IETF `RateLimit` header (draft-ietf-httpapi-ratelimit-headers):
   * certify then sends `r=0` on one 200 and judges the pause (`errors.ratelimit-pause`). Omnium
   * documents no such header (omnium-api.md A7), so it is off by default.
   */
  rateLimitHeaders: z.boolean().default(false),
  /** Default (absent): the webhook port accepts connections, or 2 s; the runner decides. */
  readyWhen: readyWhen.optional(),
  envNames: envNames.default({}),
});

const apiUser = z.strictObject({
  name: z.string().default('unnamed'),
  /** Default: everything (the platform's owner role); checked against the profile's names once it is known. */
  roles: z.array(nonEmpty).optional(),
  stores: scopeList.default('*'),
  markets: scopeList.default('*'),
});

const webhook = z
  .strictObject({
    /** Default: the platform's (Omnium: `/webhooks/omnium`). */
    path: z.string().startsWith('/', { error: 'a path starting with /' }).optional(),
    /** Default `bearer`. Not for a platform that signs its deliveries (Omneo): the secret is the signing key. */
    auth: z.enum(['bearer', 'api-key']).optional(),
    /** The header that carries the secret: default `Authorization` (bearer) or `X-API-KEY` (api-key). */
    header: nonEmpty.optional(),
    /** Event class names to subscribe to (e.g. "Order"); absent: all. */
    events: z.array(nonEmpty).optional(),
    /** The connector's timeout: a delivery not answered within it has failed and is sent again. */
    timeoutMs: z.int().min(1).max(600_000).default(10_000),
    /**
     * A command that prints the state of the integration's effects outside the mock (its own
     * database, files): read before and after the duplicate deliveries (webhooks.idempotent).
     */
    idempotencyProbe: z.union([nonEmpty, z.array(nonEmpty).min(1)], { error: 'a command string or an argv array' }).optional(),
  });

/** The header and auth defaults of a webhook section. */
function webhookDefaults(w: z.output<typeof webhook>, path: string) {
  const auth = w.auth ?? 'bearer';
  return { ...w, auth, header: w.header ?? (auth === 'bearer' ? 'Authorization' : 'X-API-KEY'), path: w.path ?? path };
}

/** `${WEBHOOK_PORT}` and the like: filled in from the integration's environment when the page is opened. */
const PLACEHOLDER = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/g;

const frontend = z.strictObject({
  /** Pages to open in a browser (token.not-in-browser); `${NAME}` stands for a variable the integration is given. */
  urls: z.array(z.string().refine((url) => isHttpUrl(url.replace(PLACEHOLDER, '1')), { error: 'an http(s) URL' })).min(1),
});

const timeouts = z.strictObject({
  readyMs: durationMs.default(15_000),
  killGraceMs: durationMs.default(3_000),
  jobMs: durationMs.default(60_000),
});

const output = z.strictObject({
  /** Bytes of the integration's output kept for the report; past this only a tail is kept. */
  maxBytes: z.int().min(1024).default(5 * 1024 * 1024),
});

/**
 * The whole config file. `prefault({})` runs an absent section through its own defaults;
 * the defaults that depend on the platform (roles, webhook path) and the roles' names are
 * settled once `profile` is known.
 */
export const configSchema = z
  .strictObject({
    /** The platform the integration talks to (`golive serve --profile`). */
    profile: nonEmpty.default(DEFAULT_PROFILE),
    integration: integration.prefault({}),
    apiUser: apiUser.prefault({}),
    webhook: webhook.optional(),
    frontend: frontend.optional(),
    tenants: z.int().min(1).default(1),
    /** Folder scanned for secrets at rest; default `integration.cwd`. */
    workspace: nonEmpty.optional(),
    /** Names of the scenarios to run; absent: all. */
    scenarios: z.array(nonEmpty).optional(),
    /** A baseline of accepted failures (`certify --baseline`), relative to the config file; the flag wins. */
    baseline: nonEmpty.optional(),
    timeouts: timeouts.prefault({}),
    output: output.prefault({}),
  })
  .transform((config, ctx) => {
    const profile = PROFILES[config.profile];
    if (!profile) {
      ctx.issues.push({ code: 'custom', path: ['profile'], message: `one of ${Object.keys(PROFILES).map((n) => JSON.stringify(n)).join(', ')}`, input: config.profile });
      return z.NEVER;
    }
    if (config.webhook && !profile.events) {
      ctx.issues.push({ code: 'custom', path: ['webhook'], message: `no webhook section (${profile.title} sends no events)`, input: config.webhook });
    }
    const signs = profile.webhookAuth?.kind === 'signature' ? profile.webhookAuth.header : null;
    for (const key of ['auth', 'header'] as const) {
      if (signs && config.webhook?.[key] !== undefined) {
        const message = `no ${key} (${profile.title} signs its deliveries with the webhook secret, in ${signs}; there is no header to configure)`;
        ctx.issues.push({ code: 'custom', path: ['webhook', key], message, input: config.webhook[key] });
      }
    }
    const p = profile.permissions;
    const roles = config.apiUser.roles ?? [...p.owner];
    roles.forEach((role, i) => {
      if (!p.has(role)) ctx.issues.push({ code: 'custom', path: ['apiUser', 'roles', i], message: `${article(p.platform)} ${p.platform} ${p.noun} (${p.all.join(', ')})`, input: role });
    });
    const { webhook: w, ...rest } = config;
    return { ...rest, apiUser: { ...config.apiUser, roles }, ...(w ? { webhook: webhookDefaults(w, profile.webhookPath) } : {}) };
  });

const article = (word: string): string => (/^[aeiou]/i.test(word) ? 'an' : 'a');

/** The config as written (see `GoliveConfigInput` for the public type). */
export type ConfigSchemaInput = z.input<typeof configSchema>;
/** The config as validated, before paths are resolved (see `GoliveConfig`). */
export type ConfigSchemaOutput = z.output<typeof configSchema>;
