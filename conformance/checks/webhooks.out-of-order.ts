import { isDeepStrictEqual } from 'node:util';
import type { Evidence } from '../../reports/model.ts';
import { defineCheck, firstOf, inconclusive } from './check.ts';
import type { DataChange, TwinStep } from './observations.ts';
import { changeEvidence, deliveryEvidence, hasWebhookEndpoint, isFinding, isSuccess, outcome, recordsOf, webhookPhase } from './webhook-traffic.ts';

/** A time written by the work (`2026-01-12T09:00:08Z`, `2026-01-12 09:00:08`): when, not what, so compared as "a time". */
const TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A twin's changes with its ids set aside: by where they happened (`orders {id0} status`), what they did. */
function normalised(t: TwinStep): Map<string, { change: DataChange; effect: unknown }> {
  // Longest first: an id may hold another (a SKU its product's id).
  const names = t.ids.map((id, i) => [id, `{id${i}}`] as const).sort((a, b) => b[0].length - a[0].length);
  const strip = (text: string): string => names.reduce((s, [id, name]) => s.split(id).join(name), text);
  const plain = (v: unknown): unknown => {
    if (typeof v === 'string') return TIME.test(v) ? '(a time)' : strip(v);
    if (Array.isArray(v)) return v.map(plain);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [strip(k), plain(x)]));
    return v;
  };
  const out = new Map<string, { change: DataChange; effect: unknown }>();
  for (const c of t.changes) {
    const at = strip(`${c.where} ${c.key}${c.field ? ` ${c.field}` : ''}`);
    // Numbers by how much they moved: the twins' records need not start alike (each SKU its own stock).
    const effect = typeof c.before === 'number' && typeof c.after === 'number' ? { by: c.after - c.before } : { before: plain(c.before), after: plain(c.after) };
    out.set(at, { change: c, effect });
  }
  return out;
}

/** `+2`, `"New" → "InProgress"`, `added "high-value"`, for a summary. */
function effectText(effect: unknown): string {
  const e = effect as { by?: number; before?: unknown; after?: unknown };
  if (e.by !== undefined) return `${e.by >= 0 ? '+' : ''}${e.by}`;
  const shown = (v: unknown) => {
    const text = JSON.stringify(v);
    return text.length <= 60 ? text : `${text.slice(0, 60)}…`;
  };
  if (e.before === undefined) return `added ${shown(e.after)}`;
  if (e.after === undefined) return 'removed';
  return `${shown(e.before)} → ${shown(e.after)}`;
}

export default defineCheck({
  id: 'webhooks.out-of-order',
  title: 'Events delivered out of order ("changed" before "created") leave the same state as in order',
  section: 'Webhooks',
  required: false,
  phases: ['webhooks'],
  appliesTo: hasWebhookEndpoint,
  remediation:
    'Webhooks are not guaranteed to arrive in the order they were raised: a status change can come before the creation it follows. Do not take an event body for the current state: fetch the object by its id when the event comes (the platform answers with its latest state), or keep the event time of what you applied and skip an older one. Never write an older status back over a newer one.',
  judge(obs) {
    const w = webhookPhase(obs);
    if (isFinding(w)) return w;
    const step = w.outOfOrder;
    if (!step) return inconclusive(`The events of the two new objects were not sent${w.problem ? `: ${w.problem}` : ' (the webhook phase ended first)'}.`);
    if ('unavailable' in step) return { verdict: 'not-applicable', summary: `${step.unavailable}, so no event could be sent out of order.`, evidence: [] };
    const records = recordsOf(w, step.seqs);
    const acceptedAll = (t: TwinStep) => [t.createdId, t.changedId].every((id) => records.some((r) => r.eventId === id && isSuccess(r)));
    const evidence: Evidence[] = records.map((r) => deliveryEvidence(obs, r));
    if (!acceptedAll(step.inOrder)) {
      const refused = records.filter((r) => (r.eventId === step.inOrder.createdId || r.eventId === step.inOrder.changedId) && !isSuccess(r));
      return inconclusive(
        `The events of object ${step.inOrder.objectId}, delivered in order, were not all accepted (${refused.map(outcome).join(', ')}), so what they should leave is unknown.`,
        evidence,
      );
    }
    if (step.probeError) return inconclusive(`${step.probeError}, so effects outside the mock could not be compared.`, evidence);
    const inOrder = normalised(step.inOrder);
    const outOfOrder = normalised(step.outOfOrder);
    const differences: { at: string; text: string; changes: DataChange[] }[] = [];
    for (const [at, a] of inOrder) {
      const b = outOfOrder.get(at);
      if (!b) differences.push({ at, text: `${at}: ${effectText(a.effect)} in order, not changed out of order`, changes: [a.change] });
      else if (!isDeepStrictEqual(a.effect, b.effect)) differences.push({ at, text: `${at}: ${effectText(a.effect)} in order, ${effectText(b.effect)} out of order`, changes: [a.change, b.change] });
    }
    for (const [at, b] of outOfOrder) if (!inOrder.has(at)) differences.push({ at, text: `${at}: not changed in order, ${effectText(b.effect)} out of order`, changes: [b.change] });
    const where = w.probe ? "the mock's data and the side-effect probe's output" : "the mock's data";
    const names = `${step.inOrder.objectId} (created, then changed) and ${step.outOfOrder.objectId} (changed, then created)`;
    if (differences.length > 0) {
      if (!step.settled) return inconclusive(`The integration was still at work on objects ${names} when golive stopped watching, so their changes cannot be compared yet.`, evidence);
      const notAccepted = acceptedAll(step.outOfOrder) ? '' : ` (the out-of-order events were answered ${[...new Set(records.filter((r) => r.eventId === step.outOfOrder.createdId || r.eventId === step.outOfOrder.changedId).map(outcome))].join(', ')})`;
      return {
        verdict: 'fail',
        summary:
          `Two new objects alike but for their ids, each created and then changed, were told so in order and out of order${notAccepted}, and left ${where} unlike each other ({id0} stands for each one's id): ` +
          `${differences.slice(0, 3).map((d) => d.text).join('; ')}${differences.length > 3 ? `; and ${differences.length - 3} more` : ''}.`,
        evidence: [
          ...evidence,
          ...firstOf(
            differences.flatMap((d) => d.changes.map((c) => changeEvidence(c, step.inOrder.changes.includes(c) ? `in order (${step.inOrder.objectId})` : `out of order (${step.outOfOrder.objectId})`))),
            10,
          ),
        ],
      };
    }
    const count = inOrder.size;
    return {
      verdict: 'pass',
      summary:
        `Objects ${names} left ${where} alike, ids aside` +
        (count > 0
          ? ` (${count} field(s) changed for each).`
          : '. Neither changed anything golive can see: if the integration keeps its state elsewhere, configure webhook.idempotencyProbe.') +
        (step.settled ? '' : ' golive stopped watching before the integration had been quiet for long.'),
      evidence,
    };
  },
});
