/**
 * Failed token requests per client id: after too many wrong secrets in a window, the token
 * endpoint answers 429 for that client id until the window has room again (security-tests.md
 * case 34; OWASP API2:2023 counts "a brute force attack on the same user account, without
 * … account lockout" as broken authentication). Successful requests are never counted, so a
 * client with the right secret is never limited (Omnium excludes `/api/token` from its rate
 * limits, omnium-api.md A2/A7). While the lock holds, the right secret is refused too:
 * otherwise a 429 for wrong guesses and a 200 for the right one would go on telling them apart.
 */
import { createHash } from 'node:crypto';

export interface TokenLockoutOptions {
  /** Failed requests allowed per client id within `windowMs`; the next request is refused. */
  failures: number;
  windowMs: number;
  /** Milliseconds since the epoch; the mock's clock. */
  now: () => number;
  /** Client ids tracked at once (default 10,000): the names come from strangers, so memory is bounded. */
  maxClients?: number;
}

/** golive's figures: 10 wrong secrets a minute per client id, far above any client that retries once. */
export const TOKEN_LOCKOUT = Object.freeze({ failures: 10, windowMs: 60_000 });

/** Tracks the failures of each client id (by a hash of it: a client id may be as long as a request allows). */
export class TokenLockout {
  /** Times of the failures still in the window, oldest first, per client id. */
  readonly #failures = new Map<string, number[]>();
  readonly #maxClients: number;

  constructor(readonly options: TokenLockoutOptions) {
    this.#maxClients = options.maxClients ?? 10_000;
  }

  /** Whole seconds until `clientId` may try again (at least 1), or 0 when it may now. */
  waitSeconds(clientId: string): number {
    const times = this.#recent(keyOf(clientId));
    if (!times || times.length < this.options.failures) return 0;
    const freeAt = times[times.length - this.options.failures]! + this.options.windowMs;
    return Math.max(1, Math.ceil((freeAt - this.options.now()) / 1000));
  }

  /** Counts one failed request (an unknown client id or a wrong secret). */
  fail(clientId: string): void {
    const key = keyOf(clientId);
    const times = this.#recent(key) ?? [];
    if (!this.#failures.has(key)) this.#makeRoom();
    times.push(this.options.now());
    // Only the last `failures` matter to `waitSeconds`.
    if (times.length > this.options.failures) times.shift();
    this.#failures.set(key, times);
  }

  /** The failures of `key` still in the window (dropping the older ones), or `undefined`. */
  #recent(key: string): number[] | undefined {
    const times = this.#failures.get(key);
    if (!times) return undefined;
    const since = this.options.now() - this.options.windowMs;
    while (times.length > 0 && times[0]! <= since) times.shift();
    if (times.length === 0) this.#failures.delete(key);
    return times.length === 0 ? undefined : times;
  }

  #makeRoom(): void {
    if (this.#failures.size < this.#maxClients) return;
    for (const key of this.#failures.keys()) this.#recent(key);
    // Still full: forget the client id tracked longest.
    if (this.#failures.size >= this.#maxClients) this.#failures.delete(this.#failures.keys().next().value!);
  }
}

const keyOf = (clientId: string): string => createHash('sha256').update(clientId).digest('base64url');
