/** The engine's endpoint types, bound to Omnium's data model and roles, for the files of `endpoints/`. */
import * as engine from '../../handlers/endpoint.ts';
import type { Domain } from './domain/index.ts';
import type { Role } from './roles.ts';

export { reply, type ApiRequest, type ApiResponse, type HttpMethod } from '../../handlers/endpoint.ts';
export type Endpoint = engine.Endpoint<Domain>;
export type ResolverContext = engine.ResolverContext<Domain>;

type Spec = Parameters<typeof engine.defineEndpoint<Domain>>[0];

/**
 * An Omnium endpoint: `role` is one of Omnium's roles (the minimum, inheritance applied), and
 * every endpoint declares what it accepts (`request`: `{}` when it reads no query and no body)
 * and what a 2xx answer carries (`response`: `null` for an empty answer).
 */
export const defineEndpoint = (
  e: Omit<Spec, 'role' | 'request' | 'response'> & { role: Role | null; request: engine.RequestSchemas; response: engine.ResponseSchema | null },
): Endpoint => engine.defineEndpoint<Domain>(e);
