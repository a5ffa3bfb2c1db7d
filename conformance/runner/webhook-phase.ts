import { performance } from 'node:perf_hooks';
import type { MockServer, PlatformFacts, SubscriptionInput } from '../../mock-server/index.ts';
import type { WebhookObservations } from '../checks/observations.ts';
import type { GoliveConfig } from '../config/define.ts';
import type { SecretScanner } from '../observe/secrets.ts';
import { createSideEffectProbe } from '../observe/side-effect-probe.ts';
import type { Run } from './integration-runs.ts';
import type { PhaseSpec, Timings } from './plan.ts';
import type { WebhookSecrets } from './run-credentials.ts';
import { driveWebhooks } from './webhook-driver.ts';

type WebhookConfig = NonNullable<GoliveConfig['webhook']>;

/** The webhook phase of a certify run: its driver, and what it saw. */
export interface WebhookPhase {
  /** The driver of the plan's `drive: 'webhooks'` phase. */
  drive(phase: PhaseSpec): Promise<void>;
  /** What the phase observed; when it never ran, an empty record that says why. */
  observations(): Promise<WebhookObservations>;
}

export interface WebhookPhaseOptions {
  config: GoliveConfig;
  webhook: WebhookConfig;
  timings: Timings;
  mock: MockServer;
  scanner: SecretScanner;
  /** The test run: its endpoint is subscribed, its API user's writes are watched. */
  testRun: Run;
  clientId: string;
  secrets: WebhookSecrets;
  /** Settles when the side runs are over: they share the integration's files (and its probe). */
  sideRunsOver: Promise<unknown>;
  /**
   * Settles when the run must end early: asked when the phase begins, since a restart (the
   * phase's own, or an earlier phase's) brings back an integration whose last instance exited.
   */
  stopped: () => Promise<unknown>;
}

/**
 * How deliveries authenticate: signed with the secret where the platform signs them, else the
 * secret in the header config `webhook.auth` and `webhook.header` say.
 */
export function webhookCredential(platform: PlatformFacts, webhook: WebhookConfig, token: string): Pick<SubscriptionInput, 'auth' | 'signing'> {
  const style = platform.webhookAuth;
  if (style.kind === 'signature') return { signing: { type: 'hmac-sha256-hex', header: style.header, secret: token } };
  if (webhook.auth === 'api-key') return { auth: { type: 'header', name: webhook.header, value: token } };
  if (webhook.header.toLowerCase() === 'authorization') return { auth: { type: 'bearer', token } };
  return { auth: { type: 'header', name: webhook.header, value: `Bearer ${token}` } };
}

/** The observations of a webhook phase that never ran (the integration stopped first). */
function notDriven(url: string, timeoutMs: number, probe: boolean): WebhookObservations {
  return { url, timeoutMs, probe, deliveries: [], simulatedTimeouts: [], probes: null, first: null, duplicates: null, problem: 'the webhook phase did not run (the integration stopped before it)' };
}

export function createWebhookPhase(options: WebhookPhaseOptions): WebhookPhase {
  const { config, webhook, timings, testRun, stopped } = options;
  const url = `https://127.0.0.1:${testRun.webhookPort}${webhook.path}`;
  let driven: Promise<WebhookObservations> | null = null;
  return {
    async drive(phase) {
      // Nothing else of the integration may run while the phase compares states before and
      // after each delivery: the production and bad-TLS runs share its files (and its probe).
      const beside = options.sideRunsOver.then(() => 'over' as const);
      const stop = stopped();
      if ((await Promise.race([beside, stop.then(() => 'stopped' as const)])) === 'stopped') return;
      const deadlineMono = performance.now() + phase.durationMs;
      driven = driveWebhooks({
        mock: options.mock,
        clientId: options.clientId,
        subscription: {
          url,
          ...webhookCredential(options.mock.platform, webhook, options.secrets.token),
          // The integration's own writes are not delivered back where the platform says so.
          ...(options.mock.platform.eventsNotBackToCauser ? { skipEventsBy: [options.clientId] } : {}),
          ...(webhook.events ? { classNames: webhook.events } : {}),
          timeoutMs: webhook.timeoutMs,
        },
        otherTenantToken: options.secrets.otherTenantToken,
        settle: { minMs: timings.webhookSettleMs, quietMs: timings.webhookQuietMs, maxMs: Math.max(timings.webhookSettleMs * 4, 5_000) },
        ...(webhook.idempotencyProbe
          ? { readProbe: createSideEffectProbe({ command: webhook.idempotencyProbe, cwd: config.integration.cwd, env: testRun.env, scanner: options.scanner }) }
          : {}),
        exited: () => testRun.exit,
        stop,
        deadlineMono,
      });
      await driven;
    },
    async observations() {
      return (await driven) ?? notDriven(url, webhook.timeoutMs, webhook.idempotencyProbe !== undefined);
    },
  };
}
