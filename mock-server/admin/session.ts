import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Name of the console's session cookie. */
export const SESSION_COOKIE = 'golive_console';
/** How long a console session lasts: long enough for a training session's hour, short enough to expire unattended. */
export const SESSION_TTL_MS = 2 * 60 * 60 * 1000;
/** How long a one-time sign-in code (`consoleLink`) may wait to be used. */
export const CODE_TTL_MS = 15 * 60 * 1000;

/** Compares two secrets in constant time (for equal lengths). */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The console's sign-in: the admin token (or a one-time code from `consoleLink`) is exchanged
 * once for a session id kept in an HttpOnly, SameSite=Strict cookie, since an EventSource
 * cannot send an Authorization header. Sessions and codes live in memory and expire.
 */
export interface Sessions {
  /** A new session id (after the admin token was shown). */
  open(): string;
  /** A one-time code for a sign-in link. */
  code(): string;
  /** Spends a one-time code: a new session id, or `null` for an unknown, spent or expired one. */
  redeem(code: string): string | null;
  valid(id: string | undefined): boolean;
  close(id: string | undefined): void;
}

export function createSessions(now: () => number = Date.now): Sessions {
  const sessions = new Map<string, number>();
  const codes = new Map<string, number>();
  const fresh = () => randomBytes(24).toString('base64url');
  const sweep = (map: Map<string, number>) => {
    const t = now();
    for (const [key, expires] of map) if (expires <= t) map.delete(key);
  };
  const open = () => {
    sweep(sessions);
    const id = fresh();
    sessions.set(id, now() + SESSION_TTL_MS);
    return id;
  };
  return {
    open,
    code() {
      sweep(codes);
      const code = fresh();
      codes.set(code, now() + CODE_TTL_MS);
      return code;
    },
    redeem(code) {
      sweep(codes);
      if (!codes.has(code)) return null;
      codes.delete(code);
      return open();
    },
    valid(id) {
      if (!id) return false;
      const expires = sessions.get(id);
      if (expires === undefined) return false;
      if (expires <= now()) {
        sessions.delete(id);
        return false;
      }
      return true;
    },
    close(id) {
      if (id) sessions.delete(id);
    },
  };
}

/** The value of cookie `name` in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Whether a request that rides on the session cookie comes from the console's own page: its
 * `Host` names the listener on loopback (no DNS rebinding), and a state-changing request's
 * `Origin` is the listener's own (no cross-site request forgery). Returns the reason when not.
 */
export function crossSiteReason(
  request: { method: string; headers: Record<string, string | string[] | undefined> },
  port: number,
): string | null {
  const host = String(request.headers.host ?? '');
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  if (!allowed.includes(host)) return `Host "${host}" is not this console's address`;
  if (request.method === 'GET' || request.method === 'HEAD') return null;
  const origin = request.headers.origin;
  if (typeof origin !== 'string' || !allowed.some((a) => origin === `http://${a}`)) {
    return `a state-changing request from ${typeof origin === 'string' ? `origin ${origin}` : 'no origin'} (only the console's own page may make one)`;
  }
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin') return `Sec-Fetch-Site ${site}`;
  return null;
}
