import type { Endpoint } from './endpoint.ts';

/** An OpenAPI 3 document generated from a profile's endpoint table; `x-required-role` on each operation. */
export function openApiDocument(title: string, endpoints: readonly Endpoint[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of endpoints) {
    const params = [...e.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    paths[e.path] ??= {};
    paths[e.path]![e.method.toLowerCase()] = {
      operationId: e.id,
      tags: [e.tag],
      summary: e.summary,
      ...(params.length ? { parameters: params } : {}),
      ...(e.auth ? { security: [{ bearer: [] }] } : { security: [] }),
      'x-required-role': e.role,
      responses: {
        '200': { description: 'OK' },
        ...(e.auth ? { '401': { description: 'Token missing, expired, revoked or API user deactivated' } } : {}),
        ...(e.role ? { '403': { description: `Requires role ${e.role} (or a role that includes it), or the store/market is out of scope` } } : {}),
      },
    };
  }
  return {
    openapi: '3.0.3',
    info: { title: `${title} API (golive simulation)`, version: '1.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}
