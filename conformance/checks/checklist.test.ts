import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHECKS } from './index.ts';

// The catalog in code against the spec it implements, `../shared/spec/checklist.md` beside the
// project (where the developers' workplace keeps it): the same ids, in the same order, each
// required or advisory as the spec says. A clone without the spec beside it skips this.

const SPEC = fileURLToPath(new URL('../../../shared/spec/checklist.md', import.meta.url));

/** Every check row of the spec's tables: `| \`id\` | yes / yes, when … / warn | … |`. */
function specRows(text: string): { id: string; required: boolean }[] {
  return [...text.matchAll(/^\| `([a-z]+\.[a-z0-9-]+)` \| ([^|]+) \|/gm)].map(([, id, required]) => ({ id: id!, required: !required!.trim().startsWith('warn') }));
}

describe.skipIf(!existsSync(SPEC))('the catalog against shared/spec/checklist.md', () => {
  const rows = specRows(existsSync(SPEC) ? readFileSync(SPEC, 'utf8') : '');

  it('has every check of the spec, in its order', () => {
    expect(rows.length).toBeGreaterThanOrEqual(26);
    expect(CHECKS.map((c) => c.id)).toEqual(rows.map((r) => r.id));
  });

  it('makes each check required or advisory as the spec says', () => {
    const spec = new Map(rows.map((r) => [r.id, r.required]));
    expect(CHECKS.map((c) => [c.id, c.required])).toEqual(CHECKS.map((c) => [c.id, spec.get(c.id)]));
  });
});
