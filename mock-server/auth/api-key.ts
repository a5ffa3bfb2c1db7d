/**
 * A static key in a request header (`X-API-KEY: <key>`): the API user's secret is the key.
 * A key anywhere else (the query string, another header) is not looked for, so it is refused
 * as missing; the journal still records a known secret in the URL.
 */
import { fingerprint, mask } from '../secrets.ts';
import { type CredentialScheme, type Refusal, inactive } from './scheme.ts';

export interface ApiKeySchemeOptions {
  /** Header name (default `x-api-key`). */
  header?: string;
  /** The 401 answer (default: an empty body). */
  refusal?: Omit<Refusal, 'status'>;
}

/**
 * @example
 * const scheme = apiKeyScheme({ header: 'X-API-KEY' });
 */
export function apiKeyScheme(options: ApiKeySchemeOptions = {}): CredentialScheme {
  const header = (options.header ?? 'x-api-key').toLowerCase();
  const refusal: Refusal = { status: 401, headers: {}, ...options.refusal };
  return {
    name: 'api-key',
    header,
    authenticate(headers, parts, entry) {
      const key = headers[header];
      if (!key) {
        entry.denied = `no ${header} header`;
        return refusal;
      }
      entry.tokenFingerprint = fingerprint(key);
      entry.tokenMasked = mask(key);
      const user = parts.users.bySecret(key);
      entry.apiUser = user?.clientId ?? null;
      const why = inactive(user);
      if (why) {
        entry.denied = why === 'unknown API user' ? 'unknown API key' : why;
        return refusal;
      }
      return user!;
    },
  };
}
