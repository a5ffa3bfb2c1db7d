import type { Check } from './check.ts';
import descriptiveName from './credentials.descriptive-name.ts';
import leastPrivilege from './credentials.least-privilege.ts';
import secretNotInSource from './credentials.secret-not-in-source.ts';
import storeMarketScoping from './credentials.store-market-scoping.ts';
import testNotInProduction from './credentials.test-not-in-production.ts';
import minimalPayloads from './data.minimal-payloads.ts';
import noDeprecatedEndpoints from './data.no-deprecated-endpoints.ts';
import backoffInOutage from './errors.backoff-in-outage.ts';
import backoffOn429 from './errors.backoff-on-429.ts';
import jitterOn429 from './errors.jitter-on-429.ts';
import networkRetryBounded from './errors.network-retry-bounded.ts';
import ratelimitPause from './errors.ratelimit-pause.ts';
import survivesMalformedResponses from './errors.survives-malformed-responses.ts';
import noRetryOn403 from './errors.no-retry-on-403.ts';
import noRetryOn4xx from './errors.no-retry-on-4xx.ts';
import survivesKeyRotation from './rotation.survives-key-rotation.ts';
import survivesSecretRotation from './rotation.survives-secret-rotation.ts';
import tokenPerTenant from './tenancy.token-per-tenant.ts';
import cachedAndReused from './token.cached-and-reused.ts';
import noRetryLoop from './token.no-retry-loop.ts';
import notInUrl from './token.not-in-url.ts';
import notInBrowser from './token.not-in-browser.ts';
import notLogged from './token.not-logged.ts';
import notSentOnRedirect from './token.not-sent-on-redirect.ts';
import proactiveRenewal from './token.proactive-renewal.ts';
import renewOnceOn401 from './token.renew-once-on-401.ts';
import secretInBody from './token.secret-in-body.ts';
import tlsVerified from './token.tls-verified.ts';
import httpsOnly from './transport.https-only.ts';
import webhooksHttps from './webhooks.https.ts';
import webhooksIdempotent from './webhooks.idempotent.ts';
import webhooksIgnoresUnknownEvents from './webhooks.ignores-unknown-events.ts';
import webhooksOutOfOrder from './webhooks.out-of-order.ts';
import webhooksRespondsInTime from './webhooks.responds-in-time.ts';
import webhooksValidatesAuth from './webhooks.validates-auth.ts';

/** The checks golive judges today, in checklist order. Each file's name is its id. */
export const CHECKS: readonly Check[] = [
  descriptiveName,
  secretNotInSource,
  testNotInProduction,
  leastPrivilege,
  storeMarketScoping,
  cachedAndReused,
  proactiveRenewal,
  renewOnceOn401,
  noRetryLoop,
  notInUrl,
  secretInBody,
  notLogged,
  notInBrowser,
  tlsVerified,
  // Beyond the spec (issue 15, security-tests.md case 84): checklist.test.ts lists it in BEYOND_SPEC.
  notSentOnRedirect,
  backoffOn429,
  jitterOn429,
  noRetryOn403,
  // Beyond the spec (issue 15, security-tests.md case 79): checklist.test.ts lists it in BEYOND_SPEC.
  noRetryOn4xx,
  networkRetryBounded,
  // Beyond the spec (issue 15, security-tests.md case 83): checklist.test.ts lists it in BEYOND_SPEC.
  survivesMalformedResponses,
  // Beyond the spec (issue 15, security-tests.md case 81): checklist.test.ts lists it in BEYOND_SPEC.
  backoffInOutage,
  // Beyond the spec (issue 15, security-tests.md case 77): checklist.test.ts lists it in BEYOND_SPEC.
  ratelimitPause,
  webhooksHttps,
  webhooksValidatesAuth,
  webhooksIdempotent,
  // Beyond the spec (issue 15, security-tests.md case 95): checklist.test.ts lists it in BEYOND_SPEC.
  webhooksOutOfOrder,
  webhooksRespondsInTime,
  // Beyond the spec (issue 15, security-tests.md case 99): checklist.test.ts lists it in BEYOND_SPEC.
  webhooksIgnoresUnknownEvents,
  tokenPerTenant,
  survivesSecretRotation,
  // Beyond the spec (issue 18): checklist.test.ts lists it in BEYOND_SPEC.
  survivesKeyRotation,
  httpsOnly,
  minimalPayloads,
  // Beyond the spec (issue 15, security-tests.md case 89): checklist.test.ts lists it in BEYOND_SPEC.
  noDeprecatedEndpoints,
];

export { checkContext, remediationOf, runCheck, type Check, type CheckContext, type Finding, type PlatformFacts } from './check.ts';
export type { Observations } from './observations.ts';
