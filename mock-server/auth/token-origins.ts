import type { EnvironmentName } from './api-users.ts';

/** Where a token was issued: the tenant and environment whose token endpoint signed it. */
export interface TokenOrigin {
  readonly tenant: string;
  readonly environment: EnvironmentName;
}

/**
 * The tokens every runtime of one mock issued, by fingerprint, and where each was issued: a
 * token presented to another tenant (or environment) fails there on its signature, and this
 * says whose it was. Bounded: the oldest are forgotten first.
 *
 * @example
 * origins.record(fingerprint(token), { tenant: 'tenant-a', environment: 'test' });
 * origins.of(entry.tokenFingerprint) // { tenant: 'tenant-a', environment: 'test' }
 */
export class TokenOrigins {
  readonly #byFingerprint = new Map<string, TokenOrigin>();

  constructor(readonly maxTokens = 100_000) {}

  record(fingerprint: string, origin: TokenOrigin): void {
    if (this.#byFingerprint.size >= this.maxTokens) this.#byFingerprint.delete(this.#byFingerprint.keys().next().value!);
    this.#byFingerprint.set(fingerprint, origin);
  }

  /** Where the token of this fingerprint was issued; `null` when this mock did not issue it (or has forgotten it). */
  of(fingerprint: string): TokenOrigin | null {
    return this.#byFingerprint.get(fingerprint) ?? null;
  }
}
