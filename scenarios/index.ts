import type { Scenario } from '../conformance/runner/scenario.ts';
import deactivatedUser from './deactivated-user.ts';
import flakyNetwork from './flaky-network.ts';
import hangingResponse from './hanging-response.ts';
import missingRole from './missing-role.ts';
import rateLimitStorm from './rate-limit-storm.ts';
import retryAfterHonoured from './retry-after-honoured.ts';
import revokedToken from './revoked-token.ts';
import scopeViolation from './scope-violation.ts';
import secretRotation from './secret-rotation.ts';
import tlsMitm from './tls-mitm.ts';
import tokenExpiry from './token-expiry.ts';
import tour from './tour.ts';

/** Every scenario golive ships; each file's name is its scenario's name. */
export const SCENARIOS: readonly Scenario[] = [
  tokenExpiry,
  revokedToken,
  deactivatedUser,
  missingRole,
  scopeViolation,
  rateLimitStorm,
  retryAfterHonoured,
  flakyNetwork,
  hangingResponse,
  secretRotation,
  tlsMitm,
  tour,
];
