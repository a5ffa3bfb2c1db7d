/**
 * How a request is authenticated: the seam between the pipeline and a platform's
 * credentials (passport's `Strategy`, in spirit). A scheme reads the request's headers and
 * ends in the caller's API user or a refusal; the pipeline around it knows no scheme.
 * Authorisation (roles, scopes, key permissions) is the profile's `Permissions`, asked
 * afterwards by the pipeline.
 */
import type { JournalEntry } from '../journal/journal.ts';
import type { ApiUserRecord, ApiUserRegistry } from './api-users.ts';
import type { TokenService } from './tokens.ts';

/** An unauthenticated request's answer: 401 with the platform's headers and body. */
export interface Refusal {
  status: 401;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * A caller whose credential carries less than its API user holds, or speaks for someone:
 * an OAuth token's scopes, a customer's ID token. A plain `ApiUserRecord` admission means
 * the user's own roles, as they stand.
 */
export interface Grant {
  user: ApiUserRecord;
  /** The permissions the credential carries (the pipeline checks the endpoint's against these). */
  granted: readonly string[];
  /** The customer the credential speaks for, or `null`. */
  subject: string | null;
  /**
   * Whether the user's own roles bound the credential too (a token with scopes); `false` for a
   * credential that stands on its own once issued (a customer's ID token, vouched for then).
   */
  bounded: boolean;
}

export type Admission = ApiUserRecord | Grant | Refusal;

/** What a scheme may know of the endpoint called: which kind of credential it takes. */
export interface CredentialTarget {
  /** Absent: the platform's main credential (see `Endpoint.credential`). */
  readonly credential?: string;
}

/** What a scheme may use of one environment. */
export interface SchemeParts {
  readonly users: ApiUserRegistry;
  readonly tokens: TokenService;
}

/** The journal fields a scheme fills: who the credential says it is, and why it was refused. */
export type AuthEntry = Pick<JournalEntry, 'apiUser' | 'tokenId' | 'tokenFingerprint' | 'tokenMasked' | 'tokenExpired' | 'denied'> &
  /** Read only: the known secrets the URL carried (a scheme that refuses a credential in the URL reads it). */
  Partial<Readonly<Pick<JournalEntry, 'secretsInUrl'>>>;

export interface CredentialScheme {
  /** `bearer-jwt`, `api-key`…: for the OpenAPI document and messages. */
  readonly name: string;
  /** The header the credential travels in (lower case). */
  readonly header: string;
  /** The caller, or the 401 to answer; synchronous whenever it can be (a token verified before). */
  authenticate(headers: Readonly<Record<string, string | undefined>>, parts: SchemeParts, entry: AuthEntry, target: CredentialTarget): Admission | Promise<Admission>;
}

/** Whether an admission is a refusal. */
export const refused = (a: Admission): a is Refusal => 'status' in a;

/** Whether an admission narrows its user's permissions or speaks for a customer. */
export const isGrant = (a: ApiUserRecord | Grant): a is Grant => 'granted' in a;

/** Why an API user may not call, whatever its credential: `null` when it may. */
export function inactive(user: ApiUserRecord | undefined): string | null {
  if (!user) return 'unknown API user';
  if (!user.active) return 'API user deactivated';
  return null;
}
