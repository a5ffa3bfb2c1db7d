import { type BrowserObservations, findBrowser, inspectPages } from '../observe/browser.ts';
import type { SecretScanner } from '../observe/secrets.ts';
import type { Run } from './integration-runs.ts';
import type { PhaseSpec } from './plan.ts';

/** The front-end phase of a certify run: its driver, and what the browser saw. */
export interface FrontendPhase {
  /** The driver of the plan's `drive: 'frontend'` phase. */
  drive(phase: PhaseSpec): Promise<void>;
  /** What the browser saw; `null` when the phase never ran. */
  observations(): BrowserObservations | null;
}

export interface FrontendPhaseOptions {
  /** `frontend.urls`, `${NAME}` standing for any variable the integration is given. */
  urls: readonly string[];
  /** The test run: its pages are the ones opened, its environment fills the URLs in. */
  testRun: Run;
  scanner: SecretScanner;
  /** Where the browser is looked for (`GOLIVE_BROWSER`, `PATH`); default golive's own environment. */
  env?: NodeJS.ProcessEnv;
  /** Screenshots of the pages go here when given. */
  screenshotDir?: string;
}

/**
 * A URL with its `${NAME}` filled in from the integration's environment, or the names it lacks.
 * @example expandUrl('https://127.0.0.1:${WEBHOOK_PORT}/shop', { WEBHOOK_PORT: '4433' }) // 'https://127.0.0.1:4433/shop'
 */
export function expandUrl(url: string, env: Readonly<Record<string, string | undefined>>): string | { missing: string[] } {
  const missing: string[] = [];
  const out = url.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const value = env[name];
    if (value === undefined) missing.push(name);
    return value ?? '';
  });
  return missing.length ? { missing } : out;
}

export function createFrontendPhase(options: FrontendPhaseOptions): FrontendPhase {
  let seen: BrowserObservations | null = null;
  return {
    async drive(phase) {
      const urls: string[] = [];
      for (const url of options.urls) {
        const expanded = expandUrl(url, options.testRun.env);
        if (typeof expanded !== 'string') {
          seen = { browser: null, problem: `frontend.urls: ${url} names ${expanded.missing.map((n) => `\${${n}}`).join(', ')}, which the integration is not given`, pages: [], sightings: [] };
          return;
        }
        urls.push(expanded);
      }
      const found = await findBrowser(options.env);
      if ('problem' in found) {
        seen = { browser: null, problem: found.problem, pages: [], sightings: [] };
        return;
      }
      seen = await inspectPages({
        browser: found,
        urls,
        scanner: options.scanner,
        timeoutMs: Math.max(5_000, Math.floor(phase.durationMs / Math.max(1, urls.length)) - 1_000),
        ...(options.screenshotDir ? { screenshotDir: options.screenshotDir } : {}),
      });
    },
    observations: () => seen,
  };
}
