/** Omneo's resource endpoints (omnium-api.md C2), without the auth ones (`../auth/`). */
import type { Endpoint } from '../../../handlers/endpoint.ts';
import type { OmneoData } from '../domain/index.ts';
import { healthEndpoints } from './health.ts';
import { identityEndpoints } from './identities.ts';
import { meEndpoints } from './me.ts';
import { profileEndpoints } from './profiles.ts';
import { webhookEndpoints } from './webhooks.ts';

export const omneoResourceEndpoints: readonly Endpoint<OmneoData>[] = [
  ...healthEndpoints,
  ...profileEndpoints,
  ...identityEndpoints,
  ...meEndpoints,
  ...webhookEndpoints,
];
