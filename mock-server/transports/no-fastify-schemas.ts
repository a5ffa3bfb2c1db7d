import type { FastifyServerOptions } from 'fastify';

/**
 * fastify's `schemaController` for apps none of whose routes declares a fastify schema (every
 * request is checked by its endpoint's zod schemas, in the pipeline or the admin routes).
 * Without it, fastify's first app requires ajv and fast-json-stringify to compile schemas
 * (about 100 modules, 30 ms of CPU in `golive serve`'s start) that no route has. A route
 * given a schema after all is refused when fastify compiles it, loudly, not served unchecked.
 */
export const NO_FASTIFY_SCHEMAS: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: {
    buildValidator: () => () => {
      throw new Error('golive declares no fastify validation schema: check the request with the endpoint\'s zod schema');
    },
    buildSerializer: () => () => {
      throw new Error('golive declares no fastify response schema: replies are serialised as they are');
    },
  },
};
