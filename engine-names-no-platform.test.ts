import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { endpointInfo, getProfile } from './mock-server/index.ts';

// The profile seam holds only while the engine (pipeline, journal, faults, webhooks, runner,
// checks, reports, scenarios) names no platform: a platform is one folder under
// mock-server/profiles/. This fails on any Omnium name in the code (comments aside) of a
// shipped file outside that folder, so the next profile never has to edit the engine.

const ROOT = dirname(fileURLToPath(import.meta.url));
const SHIPPED = ['index.ts', 'mock-server', 'conformance', 'reports', 'scenarios'];
const OMNIUM_FOLDER = 'mock-server/profiles/omnium/';

/** Where the profiles are plugged in, and may name them. */
const REGISTRIES: Record<string, string> = {
  'mock-server/profiles/index.ts': 'the registry of profiles, and the default one',
  'mock-server/index.ts': "re-exports Omnium's role type for typed config files",
  'mock-server/msw.ts': '`golive/msw` keeps createOmniumHandlers for the tests users already wrote',
  'conformance/config/define.ts': "completes Omnium's roles in a typed config file (any other name is accepted)",
  'conformance/cli/main.ts': 'the --profile help names the default profile',
};

const omnium = getProfile('omnium');
const quoted = (names: readonly string[]) => new RegExp(`['"\`](${names.join('|')})['"\`]`);
const FORBIDDEN: [string, RegExp][] = [
  ['the platform by name', /omnium/i],
  ['an Omnium role', quoted(omnium.permissions.all)],
  ['an Omnium endpoint id', quoted(endpointInfo(omnium).map((e) => e.id))],
  ['an Omnium event class', quoted(omnium.events?.classNames ?? [])],
];

/** The shipped TypeScript files outside the Omnium profile: no tests, no test helpers. */
function engineFiles(): string[] {
  return SHIPPED.flatMap((entry) =>
    entry.endsWith('.ts') ? [entry] : readdirSync(join(ROOT, entry), { recursive: true, encoding: 'utf8' }).map((f) => join(entry, f)),
  )
    .map((f) => relative(ROOT, join(ROOT, f)).split('\\').join('/'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('/test/') && !f.startsWith(OMNIUM_FOLDER) && !(f in REGISTRIES));
}

/** Names that are the checklist's own words, not the platform's: `checklist.md` titles its section 5 so. */
const CHECKLIST_WORDS = /'Beyond the Omnium checklist'/g;

/** The code without its comments (a comment may say what Omnium does, as an example). */
function code(file: string): string[] {
  return readFileSync(join(ROOT, file), 'utf8')
    .replace(CHECKLIST_WORDS, "''")
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ''))
    .replace(/(^|\s)\/\/.*$/gm, '$1')
    .split('\n');
}

describe('the engine', () => {
  it('names no platform outside mock-server/profiles/<name>/ and the registries', () => {
    const files = engineFiles();
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((file) =>
      code(file).flatMap((line, i) => FORBIDDEN.filter(([, re]) => re.test(line)).map(([what]) => `${file}:${i + 1}: ${what}: ${line.trim()}`)),
    );
    expect(found).toEqual([]);
  });

  it('has a gate that would see a name', () => {
    expect(FORBIDDEN.some(([, re]) => re.test("roles: ['OrderRead']"))).toBe(true);
    expect(FORBIDDEN.some(([, re]) => re.test("if (e.routeId === 'Token_Post')"))).toBe(true);
    expect(FORBIDDEN.some(([, re]) => re.test("const prefix = 'OMNIUM_';"))).toBe(true);
  });
});
