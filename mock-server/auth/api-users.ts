import { hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
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
  /** The secret's fingerprint (`fingerprint()` of it): the journal's `tokenFingerprint` when it is sent as a key. */
  clientSecretFingerprint: string;
  /** The secret a rotation retired, while its overlap window is open: it still works until `validUntil`. */
  previousSecret: RetiredSecretView | null;
  createdAt: string;
}

/** A retired secret in its overlap window, as shown: masked and fingerprinted, never in clear. */
export interface RetiredSecretView {
  masked: string;
  fingerprint: string;
  /** When it was retired (ISO 8601, the mock's clock). */
  retiredAt: string;
  /** When it stops working (ISO 8601): after this instant it answers 401. */
  validUntil: string;
}

/** How one rotation differs from the registry's default. */
export interface RotateOptions {
  /**
   * Seconds the old secret keeps working beside the new one (0: refused at once). Default: the
   * registry's `rotationOverlapSeconds` (the profile's), else 0.
   */
  overlapSeconds?: number;
}

/**
 * Which of a user's secrets a presented one is: the current one, the previous one in its overlap
 * window, or one a rotation retired that no longer works (`retired`, with when it stopped).
 */
export type SecretMatch = { user: ApiUserRecord; which: 'current' } | { user: ApiUserRecord; which: 'previous' | 'retired'; until: number };

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
  /** The secret the last rotation retired, with the instant (epoch ms) it stops working; `null` without one. */
  previousSecret: RetiredSecret | null;
  createdAt: string;
}

/** A secret retired by a rotation that keeps working until `until` (the overlap window). */
export interface RetiredSecret {
  hash: Buffer;
  masked: string;
  retiredAt: number;
  until: number;
}

export const DEFAULT_TOKEN_LIFETIME_SECONDS = 864_000;

const sha256 = (s: string) => hash('sha256', s, 'buffer');

function checkRoles(roles: readonly string[], key: string, permissions: Permissions): string[] {
  for (const r of roles) {
    if (!permissions.has(r)) throw new GoliveError('GOLIVE_ERR_UNKNOWN_ROLE', `${key}: "${r}" is not ${article(permissions.platform)} ${permissions.platform} ${permissions.noun}`);
  }
  return [...roles];
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');

/** Omnium's shape, two 32-hex groups joined by "-" (omnium-api.md A2): a fine default for any platform. */
export const defaultSecret = (): string => `${randomBytes(16).toString('hex')}-${randomBytes(16).toString('hex')}`;

/** The longest overlap window a rotation may give the old secret: 30 days. */
export const MAX_ROTATION_OVERLAP_SECONDS = 30 * 86_400;

function checkOverlap(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_ROTATION_OVERLAP_SECONDS) {
    throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', `overlapSeconds: expected a whole number from 0 to ${MAX_ROTATION_OVERLAP_SECONDS} (30 days)`);
  }
  return seconds;
}

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
  /** Seconds an old secret keeps working after a rotation that names none (default 0: refused at once). */
  rotationOverlapSeconds?: number;
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 24) || 'api-user';
}

/** The API users of one environment of one tenant. */
export class ApiUserRegistry {
  readonly #users = new Map<string, ApiUserRecord>();
  /** By the hex sha256 of the secret, for schemes where the secret alone is presented (an API key). */
  readonly #bySecret = new Map<string, ApiUserRecord>();
  /** Secrets rotations retired, by hex sha256: whose they were and when they stopped working (to say so in the journal). */
  readonly #retired = new Map<string, { clientId: string; until: number }>();
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
      previousSecret: null,
      createdAt: new Date(this.#now()).toISOString(),
    };
    this.#users.set(clientId, record);
    this.#bySecret.set(record.secretHash.toString('hex'), record);
    return { ...this.#view(record), clientSecret };
  }

  /** The previous secret of `user` while its window is open; dropped (and unindexed) once it has closed. */
  #previous(user: ApiUserRecord): RetiredSecret | null {
    const previous = user.previousSecret;
    if (!previous) return null;
    if (this.#now() < previous.until) return previous;
    user.previousSecret = null;
    this.#bySecret.delete(previous.hash.toString('hex'));
    return null;
  }

  #view(user: ApiUserRecord): ApiUserView {
    this.#previous(user);
    return view(user);
  }

  get(clientId: string): ApiUserRecord | undefined {
    return this.#users.get(clientId);
  }

  /**
   * The user these credentials belong to, if they are right (constant-time compare): the current
   * secret, or the previous one while its overlap window is open.
   */
  authenticate(clientId: string, clientSecret: string): ApiUserRecord | undefined {
    const user = this.#users.get(clientId);
    if (!user) return undefined;
    const hash = sha256(clientSecret);
    if (timingSafeEqual(user.secretHash, hash)) return user;
    const previous = this.#previous(user);
    return previous && timingSafeEqual(previous.hash, hash) ? user : undefined;
  }

  /** The user whose secret this is, when the secret alone is presented (an API key): current, or previous in its window. */
  bySecret(secret: string): ApiUserRecord | undefined {
    const found = this.match(secret);
    return found && found.which !== 'retired' ? found.user : undefined;
  }

  /** Whose secret this is and which of its secrets (current, previous in its window, or retired); `undefined` for one never known. */
  match(secret: string): SecretMatch | undefined {
    const hex = sha256(secret).toString('hex');
    const user = this.#bySecret.get(hex);
    if (user) {
      if (user.secretHash.toString('hex') === hex) return { user, which: 'current' };
      const previous = this.#previous(user);
      if (previous) return { user, which: 'previous', until: previous.until };
    }
    const retired = this.#retired.get(hex);
    const owner = retired && this.#users.get(retired.clientId);
    return owner ? { user: owner, which: 'retired', until: retired.until } : undefined;
  }

  /**
   * Whether a credential minted with the secret of this fingerprint (`fingerprint()`: the first
   * 16 hex characters of its sha256) still stands: the user's current secret, or the previous
   * one while its window is open.
   */
  secretWorks(user: ApiUserRecord, secretFingerprint: string): boolean {
    if (!/^[0-9a-f]{16}$/.test(secretFingerprint)) return false;
    if (user.secretHash.toString('hex').startsWith(secretFingerprint)) return true;
    return this.#previous(user)?.hash.toString('hex').startsWith(secretFingerprint) ?? false;
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
    return this.#view(user);
  }

  /**
   * A new secret for the user, returned once. With no overlap (the default) the old one stops
   * working at once; with `overlapSeconds`, old and new both work until the window closes, then
   * the old one answers 401. Only one old secret is kept: rotating again within a window ends
   * the first old secret's at once. Tokens already issued keep working until revoked, as on a
   * platform where rotating the secret is one step and revoking tokens another.
   *
   * @example
   * users.rotateSecret(clientId, { overlapSeconds: 86_400 }); // the old key works one more day
   */
  rotateSecret(clientId: string, options: RotateOptions = {}): CreatedApiUser {
    const user = this.#users.get(clientId);
    if (!user) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no API user ${clientId}`);
    const overlap = checkOverlap(options.overlapSeconds ?? this.options.rotationOverlapSeconds ?? 0);
    const clientSecret = (this.options.newSecret ?? defaultSecret)();
    const earlier = user.previousSecret;
    if (earlier) this.#bySecret.delete(earlier.hash.toString('hex'));
    const now = this.#now();
    if (earlier) this.#retired.set(earlier.hash.toString('hex'), { clientId, until: Math.min(earlier.until, now) });
    this.#retired.set(user.secretHash.toString('hex'), { clientId, until: now + overlap * 1000 });
    if (overlap > 0) {
      user.previousSecret = { hash: user.secretHash, masked: user.clientSecretMasked, retiredAt: now, until: now + overlap * 1000 };
    } else {
      user.previousSecret = null;
      this.#bySecret.delete(user.secretHash.toString('hex'));
    }
    user.secretHash = sha256(clientSecret);
    user.clientSecretMasked = mask(clientSecret);
    this.#bySecret.set(user.secretHash.toString('hex'), user);
    return { ...this.#view(user), clientSecret };
  }

  revokeTokens(clientId: string): void {
    const user = this.#users.get(clientId);
    if (!user) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `no API user ${clientId}`);
    user.tokenGeneration += 1;
  }

  list(): ApiUserView[] {
    return [...this.#users.values()].map((u) => this.#view(u));
  }

  /** Every client-secret hash (old ones in their window too), to recognise a secret in a URL or a log. */
  secretHashes(): Buffer[] {
    return [...this.#users.values()].flatMap((u) => (u.previousSecret ? [u.secretHash, u.previousSecret.hash] : [u.secretHash]));
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
    clientSecretFingerprint: u.secretHash.toString('hex').slice(0, 16),
    previousSecret: u.previousSecret
      ? {
          masked: u.previousSecret.masked,
          fingerprint: u.previousSecret.hash.toString('hex').slice(0, 16),
          retiredAt: new Date(u.previousSecret.retiredAt).toISOString(),
          validUntil: new Date(u.previousSecret.until).toISOString(),
        }
      : null,
    createdAt: u.createdAt,
  };
}
