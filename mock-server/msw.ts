/**
 * `golive/msw`: the simulated API as msw 2 handlers, for an integration's own tests (no
 * network). `createHandlers(profile)` for any profile; `createOmniumHandlers()` for Omnium.
 */
import type { Domain } from './profiles/omnium/domain/index.ts';
import { omnium } from './profiles/omnium/index.ts';
import { type Handlers, type HandlersOptions, createHandlers } from './transports/msw.ts';

export { DEFAULT_MSW_CREDENTIALS, createHandlers, type Handlers, type HandlersOptions } from './transports/msw.ts';
export { omnium } from './profiles/omnium/index.ts';

/**
 * The simulated Omnium API, answering on `https://apitest.omnium.no` unless `baseUrl` says otherwise.
 *
 * @example
 * const api = createOmniumHandlers();
 * setupServer(...api.handlers).listen();
 */
export function createOmniumHandlers(options: HandlersOptions = {}): Handlers<Domain> {
  return createHandlers(omnium, options);
}
