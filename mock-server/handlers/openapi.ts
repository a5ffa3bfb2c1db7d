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
 * bodies and 2xx responses from each endpoint's schemas, every schema with an `id`
 * (`.meta({ id })`) a component of that name (its sent form `<id>Input` where it differs from
 * the answered one), `x-required-role` on each operation.
 */
export function openApiDocument(title: string, endpoints: readonly Endpoint[], servers: readonly OpenApiServer[]): Record<string, unknown> {
  const components = createComponents();
  // What is answered first, so a schema's answered form keeps its plain name.
  const responses = new Map(endpoints.map((e) => [e, e.response ? content(e.response, (s) => components.add(s, 'output')) : undefined]));
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of endpoints) {
    const query = e.request?.query ? components.add(e.request.query, 'input') : undefined;
    const required = new Set((query?.required as string[] | undefined) ?? []);
    const parameters = [
      ...[...e.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries((query?.properties ?? {}) as Record<string, JsonSchema>).map(([name, schema]) => {
        const { description, ...rest } = schema;
        return { name, in: 'query', required: required.has(name), ...(description ? { description } : {}), schema: rest };
      }),
    ];
    const body = e.request?.body;
    const answered = responses.get(e);
    paths[e.path] ??= {};
    paths[e.path]![e.method.toLowerCase()] = {
      operationId: e.id,
      tags: [e.tag],
      summary: e.summary,
      ...(e.deprecated ? { deprecated: true, description: `Deprecated: use ${e.deprecated}.` } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(body ? { requestBody: { content: { [e.request?.bodyType ?? 'application/json']: { schema: components.add(body, 'input') } } } } : {}),
      ...(e.auth ? { security: [{ bearer: [] }] } : { security: [] }),
      'x-required-role': e.role,
      responses: {
        [String(e.okStatus)]: { description: 'Success', ...(answered ? { content: answered } : {}) },
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

function content(response: ResponseSchema, add: (s: z.ZodType) => JsonSchema): Record<string, { schema: JsonSchema }> {
  const byType: Readonly<Record<string, z.ZodType>> = response instanceof z.ZodType ? { 'application/json': response } : response;
  return Object.fromEntries(Object.entries(byType).map(([type, schema]) => [type, { schema: add(schema) }]));
}

/** `components.schemas`: the schemas with an `id`, once per form (sent, answered) where the forms differ. */
function createComponents() {
  const schemas: Record<string, JsonSchema> = {};
  /** Each id's definition as answered, to tell whether its sent form differs. */
  const answered = new Map<string, string>();
  const nameOf = (id: string, io: 'input' | 'output', def: unknown) =>
    io === 'input' && answered.has(id) && answered.get(id) !== JSON.stringify(def) ? `${id}Input` : id;
  return {
    schemas,
    /** `schema` in its `io` form, its `$defs` moved to the components and referenced there. */
    add(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
      const { $defs = {}, ...root } = jsonSchemaOf(schema, io) as JsonSchema & { $defs?: Record<string, unknown> };
      if (io === 'output') for (const [id, def] of Object.entries($defs)) answered.set(id, JSON.stringify(def));
      const names = new Map(Object.entries($defs).map(([id, def]) => [id, nameOf(id, io, def)]));
      const relink = (json: unknown): unknown =>
        JSON.parse(JSON.stringify(json), (key, value: unknown) =>
          key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/') ? `#/components/schemas/${names.get(value.slice(8)) ?? value.slice(8)}` : value,
        );
      for (const [id, def] of Object.entries($defs)) schemas[names.get(id)!] ??= relink(def) as JsonSchema;
      return relink(root) as JsonSchema;
    },
  };
}
