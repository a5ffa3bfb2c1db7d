import { readFileSync } from 'node:fs';

/** The console's files, by the path they are served at: they hold no data, so they need no sign-in. */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

/** Served without a sign-in: the console's files, and the icon a browser asks for (none: 204). */
export const CONSOLE_ASSETS: ReadonlySet<string> = new Set([...Object.keys(FILES), '/favicon.ico']);

/**
 * Headers on every admin response: a Content-Security-Policy that allows only the console's
 * own script and style (no inline script, no remote origin, no framing), no sniffing, no referrer.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

/**
 * Reads the console's files once. They sit in `console/` beside this module, in the sources
 * and in `dist/` (the build copies them).
 */
export function loadConsoleAssets(): Map<string, { type: string; body: Buffer }> {
  const assets = new Map<string, { type: string; body: Buffer }>();
  for (const [path, { file, type }] of Object.entries(FILES)) {
    assets.set(path, { type, body: readFileSync(new URL(`./console/${file}`, import.meta.url)) });
  }
  return assets;
}
