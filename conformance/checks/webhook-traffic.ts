import type { DeliveryRecord } from '../../mock-server/index.ts';
import type { Evidence } from '../../reports/model.ts';
import { type CheckContext, type Finding, inconclusive, secondsAt } from './check.ts';
import type { DataChange, Observations, WebhookObservations } from './observations.ts';

/** Every webhook check's `appliesTo`: with no webhook endpoint there is nothing to deliver to. */
export const hasWebhookEndpoint = ({ facts }: CheckContext): true | string =>
  facts.webhook || 'No webhook endpoint is configured (config `webhook`), so there is nothing to deliver to.';

/** The webhook phase's observations, or the finding when there are none to judge (the phase never took a step). */
export function webhookPhase(obs: Observations): WebhookObservations | Finding {
  // `hasWebhookEndpoint` keeps a run without an endpoint from reaching here: this is a harness bug.
  if (!obs.webhook) throw new Error('the webhook phase left no observations, though the config has a webhook endpoint');
  if (!obs.webhook.first && obs.webhook.problem) return inconclusive(`Nothing could be delivered: ${obs.webhook.problem}.`);
  return obs.webhook;
}

export const isFinding = (x: WebhookObservations | Finding): x is Finding => 'verdict' in x;

export const isSuccess = (r: DeliveryRecord): boolean => r.status !== null && r.status >= 200 && r.status < 300;

/** The records of a step, by their sequence numbers. */
export function recordsOf(w: WebhookObservations, seqs: readonly number[]): DeliveryRecord[] {
  const wanted = new Set(seqs);
  return w.deliveries.filter((r) => wanted.has(r.seq));
}

/** What a record's outcome was, in a few words: `401`, `timeout after 10000 ms`, `ECONNREFUSED`. */
export function outcome(r: DeliveryRecord): string {
  if (r.timedOut) return `no answer within ${Math.round(r.latencyMs)} ms (timeout)`;
  if (r.status !== null) return String(r.status);
  return r.error ?? 'no answer';
}

export function deliveryEvidence(obs: Observations, r: DeliveryRecord, note?: string): Evidence {
  return {
    kind: 'delivery',
    seq: r.seq,
    at: secondsAt(obs, r.startMono),
    eventId: r.eventId,
    attempt: r.attempt,
    deliveryKind: r.kind,
    ...(r.probe ? { probe: r.probe } : {}),
    url: r.url,
    authSent: r.authSent,
    status: r.status,
    error: r.error,
    latencyMs: Math.round(r.latencyMs),
    ...(note ?? r.note ? { note: note ?? r.note } : {}),
  };
}

/** Values shown in evidence are cut short: a record may be large. */
function shown(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text.length <= 200 ? value : `${text.slice(0, 200)}…`;
}

export function changeEvidence(c: DataChange, note?: string): Evidence {
  return {
    kind: 'change',
    where: c.where,
    key: c.key,
    field: c.field,
    before: shown(c.before),
    after: shown(c.after),
    ...(note ? { note } : {}),
  };
}

/** `orders o1 status: "New" → "Shipped"`, for a summary. */
export function describeChange(c: DataChange): string {
  const what = c.before === undefined ? 'added' : c.after === undefined ? 'removed' : `${JSON.stringify(shown(c.before))} → ${JSON.stringify(shown(c.after))}`;
  return `${c.where} ${c.key}${c.field ? ` ${c.field}` : ''}: ${what}`;
}

/** Fields that change with any write: left out of summaries when something else changed too (the evidence keeps them). */
const TIMESTAMPS = new Set(['modified', 'created']);

/** The first `n` changes for a summary, the telling ones first: `inventory SKU-1@oslo reservedInventory: 1 → 2; …`. */
export function summarizeChanges(changes: readonly DataChange[], n = 3): string {
  const telling = changes.filter((c) => !TIMESTAMPS.has(c.field.split('.').pop() ?? ''));
  const shownChanges = (telling.length > 0 ? telling : changes).slice(0, n);
  const rest = changes.length - shownChanges.length;
  return `${shownChanges.map(describeChange).join('; ')}${rest > 0 ? `; and ${rest} more` : ''}`;
}
