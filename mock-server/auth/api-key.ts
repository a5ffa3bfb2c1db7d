/**
 * A static key in a request header (`X-API-KEY: <key>`): the API user's secret is the key.
 * A key anywhere else is not looked for, so it is refused as missing; with `keyInUrl: 'refuse'`
 * a known key in the URL (the query string, the path) is refused even beside a good header. The
 * journal records a key in the URL either way (`secretsInUrl`). After a rotation with an overlap window the old key
 * works until the window closes; then it answers 401, and the journal says it was retired.
 */
import { printOf } from '../secrets.ts';
import { type CredentialScheme, type Refusal, inactive } from './scheme.ts';

export interface ApiKeySchemeOptions {
  /** Header name (default `x-api-key`). */
  header?: string;
  /** The 401 answer (default: an empty body). */
  refusal?: Omit<Refusal, 'status'>;
  /**
   * What a known key in the URL gets: `refuse` (401, whatever the header holds, since a key in a
   * URL is in every proxy's and server's access log), or `ignore` (the default: the header alone
   * is judged; the journal still records the key in the URL).
   */
  keyInUrl?: 'refuse' | 'ignore';
}

/** The journal's `denied` for a key that a rotation retired and whose overlap window has closed. */
export const retiredKeyDenial = (until: number): string => `API key retired by a rotation (its overlap window closed at ${new Date(until).toISOString()})`;

/**
 * @example
 * const scheme = apiKeyScheme({ header: 'X-API-KEY', keyInUrl: 'refuse' });
 */
export function apiKeyScheme(options: ApiKeySchemeOptions = {}): CredentialScheme {
  const header = (options.header ?? 'x-api-key').toLowerCase();
  const refusal: Refusal = { status: 401, headers: {}, ...options.refusal };
  const refuseInUrl = options.keyInUrl === 'refuse';
  return {
    name: 'api-key',
    header,
    authenticate(headers, parts, entry) {
      const inUrl = refuseInUrl ? entry.secretsInUrl?.find((s) => s.kind === 'client-secret') : undefined;
      if (inUrl) {
        entry.denied = `API key in the URL (${inUrl.where === 'query' ? `query parameter ${inUrl.param ?? ''}`.trim() : 'path'}): keys are taken only in the ${options.header ?? header} header`;
        return refusal;
      }
      const key = headers[header];
      if (!key) {
        entry.denied = `no ${header} header`;
        return refusal;
      }
      const print = printOf(key);
      entry.tokenFingerprint = print.fingerprint;
      entry.tokenMasked = print.masked;
      const match = parts.users.match(key);
      entry.apiUser = match?.user.clientId ?? null;
      if (match?.which === 'retired') {
        entry.denied = retiredKeyDenial(match.until);
        return refusal;
      }
      const user = match?.user;
      const why = inactive(user);
      if (why) {
        entry.denied = why === 'unknown API user' ? 'unknown API key' : why;
        return refusal;
      }
      return user!;
    },
  };
}
