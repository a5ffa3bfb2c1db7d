/** Body parsing shared by the transports: JSON, form and text, keeping the raw text for the journal. */

const JSON_TYPES = /^(application\/(json|[\w.+-]*\+json|json-patch\+json)|text\/json)\b/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\b/i;

/** The fields of a form body; a repeated field gives an array. */
export function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

export type ParsedBody = { ok: true; body: unknown } | { ok: false; error: string };

/** Parses a body by its content type: JSON, a form, or the text itself. */
export function parseBody(contentType: string | undefined, text: string): ParsedBody {
  if (text.length === 0) return { ok: true, body: undefined };
  if (contentType && FORM_TYPE.test(contentType)) return { ok: true, body: parseForm(text) };
  if (!contentType || JSON_TYPES.test(contentType)) {
    try {
      return { ok: true, body: JSON.parse(text) as unknown };
    } catch (err) {
      if (!contentType) return { ok: true, body: text };
      return { ok: false, error: `The request body is not valid JSON: ${(err as Error).message}` };
    }
  }
  return { ok: true, body: text };
}

/** `{id}` segments of a documented path as a regular expression, matched without regard to case. */
export function pathPattern(template: string): RegExp {
  const source = template
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      return param ? `(?<${param[1]}>[^/]+)` : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}/?$`, 'i');
}
