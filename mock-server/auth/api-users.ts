import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { GoliveError } from '../../errors.ts';
import { mask } from '../secrets.ts';
import type { Permissions } from './permissions.ts';
import type { ScopeList } from './scope.ts';

export type EnvironmentName = 'test' | 'production';

/** What a caller asks for when creating an API user (admin API, config, harness). */
export interface ApiUserSpec {
  name: string;
  roles: readonly string[];
  stores?: ScopeList;
  markets?: ScopeList;
  environment?: EnvironmentName;
  tenant?: string;
  /** Lifetime of tokens issued from now on, in seconds (default 864,000: 10 days). */
  tokenLifetimeSeconds?: number;
  /** Fixed credentials (demo users, msw handlers); generated when absent. */
  clientId?: string;
  clientSecret?: string;
}

/** An API user as shown to anyone after creation: the secret only masked. */
export interface ApiUserView {
  clientId: string;
  name: string;
  roles: string[];
  stores: ScopeList;
  markets: ScopeList;
  environment: EnvironmentName;
  tenant: string;
  active: boolean;
  tokenLifetimeSeconds: number;
  clientSecretMasked: string;
  createdAt: string;
}

/** Returned once, at creation: the only time the secret is shown. */
export interface CreatedApiUser extends ApiUserView {
  clientSecret: string;
}

export interface ApiUserPatch {
  active?: boolean;
  roles?: readonly string[];
  stores?: ScopeList;
  markets?: ScopeList;
  tokenLifetimeSeconds?: number;
}

/** The stored record. The secret is kept only as a hash. */
export interface ApiUserRecord {
  clientId: string;
  name: string;
  roles: string[];
  stores: ScopeList;
  markets: ScopeList;
  environment: EnvironmentName;
  tenant: string;
  active: boolean;
  tokenLifetimeSeconds: number;
  /** Tokens carrying an older generation answer 401 (bumped by revoke-tokens). */
  tokenGeneration: number;
  secretHash: Buffer;
  clientSecretMasked: string;
  createdAt: string;
}

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 864_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest();

function checkRoles(roles: readonly string[], key: string, permissions: Permissions): string[] {
  for (const r of roles) {
    if (!permissions.has(r)) throw new GoliveError('GOLIVE_ERR_UNKNOWN_ROLE', `${key}: "${r}" is not ${article(permissions.platform)} ${permissions.platform} ${permissions.noun}`);
  }
  return [...roles];
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');

/** Omnium's shape, two 32-hex groups joined by "-" (omnium-api.md A2): a fine default for any platform. */
export const defaultSecret = (): string => `${randomBytes(16).toString('hex')}-${randomBytes(16).toString('hex')}`;

/** The longest token lifetime an API user may have by default: 30 days. */
export const MAX_TOKEN_LIFETIME_SECONDS = 30 * 86_400;

function checkLifetime(seconds: number, max: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > max) {
    throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', `tokenLifetimeSeconds: expected a whole number from 1 to ${max}`);
  }
  return seconds;
}

/** How a platform's API users differ from the defaults. */
export interface RegistryOptions {
  /** How a generated secret looks (default: `defaultSecret`). */
  newSecret?: () => string;
  /** The lifetime of a new user's tokens (default 10 days, Omnium's). */
  tokenLifetimeSeconds?: number;
  /** The longest lifetime a user's tokens may be given (default 30 days). */
  maxTokenLifetimeSeconds?: number;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 24) || 'api-user';
}

/** The API users of one environment of one tenant. */
export class ApiUserRegistry {
  readonly #users = new Map<string, ApiUserRecord>();
  /** By the hex sha256 of the secret, for schemes where the secret alone is presented (an API key). */
  readonly #bySecret = new Map<string, ApiUserRecord>();
  readonly #now: () => number;

  constructor(
    readonly tenant: string,
    readonly environment: EnvironmentName,
    now: () => number,
    /** The platform's permission vocabulary: roles outside it are refused. */
    readonly permissions: Permissions,
    private readonly options: RegistryOptions = {},
  ) {
    this.#now = now;
  }

  #lifetime(seconds: number): number {
    return checkLifetime(seconds, this.options.maxTokenLifetimeSeconds ?? MAX_TOKEN_LIFETIME_SECONDS);
  }

  create(spec: ApiUserSpec): CreatedApiUser {
    const clientId = spec.clientId ?? `${slug(spec.name)}-${randomUUID()}`;
    if (this.#users.has(clientId)) throw new GoliveError('GOLIVE_ERR_CONFLICT', `API user ${clientId} exists already`);
    const clientSecret = spec.clientSecret ?? (this.options.newSecret ?? defaultSecret)();
    const record: ApiUserRecord = {
      clientId,
      name: spec.name,
      roles: checkRoles(spec.roles, 'roles', this.permissions),
      stores: spec.stores ?? '*',
      markets: spec.markets ?? '*',
      environment: this.environment,
      tenant: this.tenant,
      active: true,
      tokenLifetimeSeconds: this.#lifetime(spec.tokenLifetimeSeconds ?? this.options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS),
      tokenGeneration: 0,
      secretHash: sha256(clientSecret),
      clientSecretMasked: mask(clientSecret),
      createdAt: new Date(this.#now()).toISOString(),
    };
    this.#users.set(clientId, record);
    this.#bySecret.set(record.secretHash.toString('hex'), record);
    return { ...view(record), clientSecret };
  }

  get(clientId: string): ApiUserRecord | undefined {
    return this.#users.get(clientId);
  }

  /** The user these credentials belong to, if they are right (constant-time compare). */
  authenticate(clientId: string, clientSecret: string): ApiUserRecord | undefined {
    const user = this.#users.get(clientId);
    if (!user) return undefined;
    return timingSafeEqual(user.secretHash, sha256(clientSecret)) ? user : undefined;
  }

  /** The user whose secret this is, when the secret alone is presented (an API key). */
  bySecret(secret: string): ApiUserRecord | undefined {
    return this.#bySecret.get(sha256(secret).toString('hex'));
  }

  patch(clientId: string, patch: ApiUserPatch): ApiUserView {
    const user = this.#users.get(clientId);
    if (!user) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no API user ${clientId}`);
    if (patch.active !== undefined) user.active = patch.active;
    if (patch.roles !== undefined) user.roles = checkRoles(patch.roles, 'roles', this.permissions);
    // Copies: the caller keeps its arrays, and a new list is a new object (the pipeline keeps each user's scope until then).
    if (patch.stores !== undefined) user.stores = patch.stores === '*' ? '*' : [...patch.stores];
    if (patch.markets !== undefined) user.markets = patch.markets === '*' ? '*' : [...patch.markets];
    if (patch.tokenLifetimeSeconds !== undefined) user.tokenLifetimeSeconds = this.#lifetime(patch.tokenLifetimeSeconds);
    return view(user);
  }

  /**
   * A new secret for the user, returned once: the old one stops working at once (tokens already
   * issued keep working until revoked, as on a platform where rotating the secret is one step
   * and revoking tokens another).
   */
  rotateSecret(clientId: string): CreatedApiUser {
    const user = this.#users.get(clientId);
    if (!user) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no API user ${clientId}`);
    const clientSecret = (this.options.newSecret ?? defaultSecret)();
    this.#bySecret.delete(user.secretHash.toString('hex'));
    user.secretHash = sha256(clientSecret);
    user.clientSecretMasked = mask(clientSecret);
    this.#bySecret.set(user.secretHash.toString('hex'), user);
    return { ...view(user), clientSecret };
  }

  revokeTokens(clientId: string): void {
    const user = this.#users.get(clientId);
    if (!user) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no API user ${clientId}`);
    user.tokenGeneration += 1;
  }

  list(): ApiUserView[] {
    return [...this.#users.values()].map(view);
  }

  /** Every client-secret hash, to recognise a secret in a URL or a log. */
  secretHashes(): Buffer[] {
    return [...this.#users.values()].map((u) => u.secretHash);
  }
}

/** The public view of a record: no hash, no generation counter. */
export function view(u: ApiUserRecord): ApiUserView {
  return {
    clientId: u.clientId,
    name: u.name,
    roles: [...u.roles],
    stores: u.stores,
    markets: u.markets,
    environment: u.environment,
    tenant: u.tenant,
    active: u.active,
    tokenLifetimeSeconds: u.tokenLifetimeSeconds,
    clientSecretMasked: u.clientSecretMasked,
    createdAt: u.createdAt,
  };
}
