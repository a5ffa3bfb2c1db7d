/**
 * Test helpers for Omneo resolvers: a real `ResolverContext` over real seeded data that
 * records the events it is asked to emit, and a request builder.
 */
import { createScope } from '../../../auth/scope.ts';
import type { EventFields } from '../../../domain/events.ts';
import type { ApiRequest, HttpMethod, ResolverContext } from '../../../handlers/endpoint.ts';
import { createOmneoData, type OmneoData } from '../domain/index.ts';

/** The fixed "now" resolver tests run at: `2026-01-15 12:00:00`. */
export const TEST_NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

export interface TestContext extends ResolverContext<OmneoData> {
  readonly granted: readonly string[];
  readonly subject: string | null;
  /** Every event emitted through this context, in order. */
  readonly events: EventFields[];
}

/** Seeded data at the test clock (seed 1, 50 profiles unless told). */
export const testData = (options: { seed?: number; scale?: number } = {}): Promise<OmneoData> =>
  createOmneoData({ seed: options.seed ?? 1, scale: options.scale, now: () => TEST_NOW });

/** A context as the pipeline would build it for a caller with every scope (`*`). */
export function testContext(db: OmneoData, options: { subject?: string | null; now?: () => number; clientId?: string } = {}): TestContext {
  const events: EventFields[] = [];
  const now = options.now ?? (() => TEST_NOW);
  const context: TestContext = {
    db,
    scope: createScope('*', '*'),
    clientId: options.clientId ?? 'test-client',
    granted: ['*'],
    subject: options.subject ?? null,
    tokens: { issue: async () => null, mint: async () => null, revoke: () => undefined },
    now: () => new Date(now()),
    emit: (event) => {
      events.push(event);
    },
    events,
  };
  return context;
}

/** A framework-neutral request with defaults for everything not given. */
export function testRequest(
  method: HttpMethod,
  path: string,
  parts: { params?: Record<string, string>; query?: Record<string, string | string[]>; body?: unknown; headers?: Record<string, string>; transport?: 'https' | 'http' } = {},
): ApiRequest {
  return { method, path, params: parts.params ?? {}, query: parts.query ?? {}, headers: parts.headers ?? {}, body: parts.body, transport: parts.transport ?? 'http' };
}
