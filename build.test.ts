import { existsSync, readdirSync, statSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('./dist/', import.meta.url));

/** Every file `npm run build` wrote, relative to dist/ with `/` separators. */
function builtFiles(): string[] {
  return readdirSync(DIST, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(DIST + path).isFile())
    .map((path) => path.split(sep).join('/'));
}

/** The source a built file came from, without its extension: `a/b.js.map` → `a/b`. */
function sourceOf(built: string): string {
  return built.replace(/\.(js|d\.ts)(\.map)?$/, '');
}

/** True for a source in a `test/` folder, a `*.test.ts` or a `*.spec.ts`. */
function isTestCode(source: string): boolean {
  return source.split('/').slice(0, -1).includes('test') || /\.(test|spec)$/.test(source);
}

// `npm test` builds first (package.json); this reads what that build left in dist/.
describe('the build', () => {
  it('ships no test code: nothing in dist/ comes from a test folder or a test file', () => {
    expect(existsSync(DIST), 'dist/ is missing: run `npm run build` first').toBe(true);
    const files = builtFiles();
    expect(files).toContain('index.js');
    expect(files).toContain('conformance/cli/main.js');
    // The bundled command line bin/golive.js runs, with the console's files beside it.
    expect(files).toContain('cli/main.js');
    expect(files).toContain('cli/console/index.html');
    expect(files.filter((file) => isTestCode(sourceOf(file)))).toEqual([]);
  });
});
