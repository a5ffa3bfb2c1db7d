/**
 * Test helpers for resolvers: a real `ResolverContext` over a real domain that records
 * the events it is asked to emit, and a request builder.
 */
import { createScope, type ScopeList } from '../../../auth/scope.ts';
import type { Domain } from '../domain/index.ts';
import type { EventFields } from '../../../domain/events.ts';
import type { ApiRequest, HttpMethod, ResolverContext } from '../endpoint.ts';

/** The fixed "now" resolver tests run at. */
export const TEST_NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

export type EmittedEvent = EventFields;

export interface TestContext extends ResolverContext {
  /** Every event emitted through this context, in order. */
  readonly events: EmittedEvent[];
}

/** A context as the pipeline would build it for an API user with this scope. */
export function testContext(
  db: Domain,
  options: { stores?: ScopeList; markets?: ScopeList; clientId?: string; now?: () => number } = {},
): TestContext {
  const events: EmittedEvent[] = [];
  const now = options.now ?? (() => TEST_NOW);
  return {
    db,
    scope: createScope(options.stores ?? '*', options.markets ?? '*'),
    clientId: options.clientId ?? 'test-client',
    granted: [],
    subject: null,
    tokens: { issue: async () => null, mint: async () => null, revoke: () => undefined },
    now: () => new Date(now()),
    emit: (event) => {
      events.push(event);
    },
    events,
  };
}

/** A framework-neutral request with defaults for everything not given. */
export function testRequest(
  method: HttpMethod,
  path: string,
  parts: { params?: Record<string, string>; query?: Record<string, string | string[]>; body?: unknown; headers?: Record<string, string> } = {},
): ApiRequest {
  return {
    method,
    path,
    params: parts.params ?? {},
    query: parts.query ?? {},
    headers: parts.headers ?? {},
    body: parts.body,
    transport: 'https',
  };
}
