import { z } from 'zod';
import type { Endpoint, ResponseSchema } from './endpoint.ts';
import { type JsonSchema, jsonSchemaOf } from './request-schema.ts';

/** Where the API is served, for the document's `servers`. */
export interface OpenApiServer {
  url: string;
  description?: string;
}

/**
 * An OpenAPI 3.1 document generated from a profile's endpoint table: parameters, request
 * bodies and 2xx responses from each endpoint's schemas (components named by a schema's
 * `title` meta, else by the operation), `x-required-role` on each operation.
 */
export function openApiDocument(title: string, endpoints: readonly Endpoint[], servers: readonly OpenApiServer[]): Record<string, unknown> {
  const components = createComponents();
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of endpoints) {
    const query = e.request?.query ? jsonSchemaOf(e.request.query, 'input') : undefined;
    const required = new Set((query?.required as string[] | undefined) ?? []);
    const parameters = [
      ...[...e.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries((query?.properties ?? {}) as Record<string, JsonSchema>).map(([name, schema]) => {
        const { description, ...rest } = schema;
        return { name, in: 'query', required: required.has(name), ...(description ? { description } : {}), schema: rest };
      }),
    ];
    const body = e.request?.body;
    paths[e.path] ??= {};
    paths[e.path]![e.method.toLowerCase()] = {
      operationId: e.id,
      tags: [e.tag],
      summary: e.summary,
      ...(parameters.length ? { parameters } : {}),
      ...(body ? { requestBody: { content: { [e.request?.bodyType ?? 'application/json']: { schema: components.ref(body, 'input', `${e.id}Request`) } } } } : {}),
      ...(e.auth ? { security: [{ bearer: [] }] } : { security: [] }),
      'x-required-role': e.role,
      responses: {
        [String(e.okStatus)]: { description: 'Success', ...(e.response ? { content: content(e.response, (s) => components.ref(s, 'output', `${e.id}Response`)) } : {}) },
        ...(e.request?.query || body ? { '400': { description: 'A field or parameter is invalid (a text that names it)' } } : {}),
        ...(e.issuesToken ? { '401': { description: 'Wrong credentials, or the API user is deactivated' } } : {}),
        ...(e.auth ? { '401': { description: 'Token missing, expired, revoked or API user deactivated' } } : {}),
        ...(e.role ? { '403': { description: `Requires role ${e.role} (or a role that includes it), or the store/market is out of scope` } } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: `${title} API (golive simulation)`, version: '1.0', license: { name: 'MIT', identifier: 'MIT' } },
    servers,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } }, schemas: components.schemas },
    paths,
  };
}

function content(response: ResponseSchema, ref: (s: z.ZodType) => JsonSchema): Record<string, { schema: JsonSchema }> {
  const byType: Readonly<Record<string, z.ZodType>> = response instanceof z.ZodType ? { 'application/json': response } : response;
  return Object.fromEntries(Object.entries(byType).map(([type, schema]) => [type, { schema: ref(schema) }]));
}

/** `components.schemas`, each schema once per direction (what is sent, what is answered). */
function createComponents() {
  const schemas: Record<string, JsonSchema> = {};
  const names = new Map<z.ZodType, Partial<Record<'input' | 'output', string>>>();
  return {
    schemas,
    /** A `$ref` to `schema`, added under its `title` meta (else `fallback`); one sent and answered gets `Input` on its sent form. */
    ref(schema: z.ZodType, io: 'input' | 'output', fallback: string): JsonSchema {
      const known = names.get(schema) ?? {};
      let name = known[io];
      if (name === undefined) {
        const base = (z.globalRegistry.get(schema)?.title as string | undefined) ?? fallback;
        name = base in schemas ? `${base}${io === 'input' ? 'Input' : 'Output'}` : base;
        schemas[name] = jsonSchemaOf(schema, io);
        names.set(schema, { ...known, [io]: name });
      }
      return { $ref: `#/components/schemas/${name}` };
    },
  };
}
