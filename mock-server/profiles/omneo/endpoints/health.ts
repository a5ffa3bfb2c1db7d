/** `GET /api/health` (omnium-api.md B1): open; the SDK sends its token anyway and expects 200. */
import { z } from 'zod';
import { defineEndpoint, type Endpoint } from '../../../handlers/endpoint.ts';
import type { OmneoData } from '../domain/index.ts';

/** The body is not published; the mock answers `{"status":"ok"}` (JSON, as every Omneo answer). */
const healthEndpoint = defineEndpoint<OmneoData>({
  id: 'Health_Get',
  method: 'GET',
  path: '/api/health',
  role: null,
  auth: false,
  limit: 'none',
  tag: 'Health',
  summary: 'Whether the API is up',
  request: {},
  response: z.object({ status: z.literal('ok') }),
  resolve: () => ({ status: 200, body: { status: 'ok' } }),
});

export const healthEndpoints: readonly Endpoint<OmneoData>[] = [healthEndpoint];
