import type { Evidence } from './model.ts';

/** Seconds since the run started, as the reports show them. */
function seconds(at: number): string {
  return `${at.toFixed(1)} s`;
}

function withNote(text: string, note: string | undefined): string {
  return note ? `${text} (${note})` : text;
}

/** A value of a `change`: strings quoted so `"4"` and `4` differ, a missing side said in words. */
function value(v: unknown): string {
  if (v === undefined) return 'absent';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function describe(e: Evidence): string {
  switch (e.kind) {
    case 'request': {
      const where = e.environment === 'test' ? '' : ` [${e.environment}]`;
      return withNote(`#${e.seq} at ${seconds(e.at)} ${e.method} ${e.path} → ${e.status}${where}`, e.note);
    }
    case 'log':
      return withNote(`${e.stream} at ${seconds(e.at)}: ${e.text}`, e.note);
    case 'file':
      return `${e.path}:${e.line}: ${e.note}`;
    case 'metric': {
      const unit = e.unit ? ` ${e.unit}` : '';
      return `${e.name}: ${e.value}${unit}${e.limit === undefined ? '' : ` (limit ${e.limit}${unit})`}`;
    }
    case 'delivery': {
      const what = e.probe ? `${e.deliveryKind} ${e.probe}` : e.deliveryKind;
      const answer = e.status === null ? `no answer${e.error ? ` (${e.error})` : ''}` : `${e.status}`;
      const auth = e.authSent === null ? 'no auth header' : `auth ${e.authSent}`;
      return withNote(
        `delivery #${e.seq} at ${seconds(e.at)}: ${what} of event ${e.eventId}, attempt ${e.attempt}, ${auth} → ${answer} in ${e.latencyMs} ms`,
        e.note,
      );
    }
    case 'change': {
      const field = e.field ? ` ${e.field}` : '';
      return withNote(`${e.where} ${e.key}${field}: ${value(e.before)} → ${value(e.after)}`, e.note);
    }
    case 'note':
      return e.text;
  }
}

/**
 * One readable line for a piece of evidence, the same in every format that shows it as text.
 * @example describeEvidence({ kind: 'request', seq: 12, at: 3.4, method: 'POST', path: '/api/token', status: 200, environment: 'test' })
 * // '#12 at 3.4 s POST /api/token → 200'
 */
export function describeEvidence(e: Evidence): string {
  // Log lines and notes are single lines by intent; a stray newline must not split the line in a list.
  return describe(e).replace(/\s*[\r\n]+\s*/g, ' ');
}
