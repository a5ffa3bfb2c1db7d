import { describe, expect, it } from 'vitest';
import { createSecretScanner } from '../observe/secrets.ts';
import { createFrontendPhase, expandUrl } from './frontend-phase.ts';
import type { Run } from './integration-runs.ts';

describe('frontend.urls', () => {
  it('fill ${NAME} in from the integration environment, and name what it lacks', () => {
    expect(expandUrl('https://127.0.0.1:${WEBHOOK_PORT}/shop', { WEBHOOK_PORT: '4433' })).toBe('https://127.0.0.1:4433/shop');
    expect(expandUrl('https://${HOST}:${PORT}/', { HOST: 'x' })).toEqual({ missing: ['PORT'] });
    expect(expandUrl('https://127.0.0.1/shop?q=$HOME', {})).toBe('https://127.0.0.1/shop?q=$HOME');
  });

  it('make the phase say which variable is missing, and which browser is, without opening anything', async () => {
    const testRun = { env: { WEBHOOK_PORT: '1' } } as unknown as Run;
    const missing = createFrontendPhase({ urls: ['https://127.0.0.1:${SHOP_PORT}/'], testRun, scanner: createSecretScanner() });
    await missing.drive({ name: 'frontend', description: '', durationMs: 5_000, actions: [], drive: 'frontend' });
    expect(missing.observations()).toEqual({ browser: null, problem: 'frontend.urls: https://127.0.0.1:${SHOP_PORT}/ names ${SHOP_PORT}, which the integration is not given', pages: [], sightings: [] });

    const noBrowser = createFrontendPhase({ urls: ['https://127.0.0.1:${WEBHOOK_PORT}/'], testRun, scanner: createSecretScanner(), env: { GOLIVE_BROWSER: '/nowhere/chrome' } });
    expect(noBrowser.observations()).toBeNull();
    await noBrowser.drive({ name: 'frontend', description: '', durationMs: 5_000, actions: [], drive: 'frontend' });
    expect(noBrowser.observations()).toMatchObject({ browser: null, problem: 'GOLIVE_BROWSER=/nowhere/chrome is not an executable file' });
  });
});
