import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROFILES, endpointInfo, getProfile } from './mock-server/index.ts';

// The profile seam holds only while the engine (pipeline, journal, faults, webhooks, runner,
// checks, reports, scenarios) names no platform: a platform is one folder under
// mock-server/profiles/. This fails on any platform's name in the code (comments aside) of a
// shipped file outside the profile folders, and on one profile's names inside another's, so
// the next profile never has to edit the engine, nor borrow from a sibling.

const ROOT = dirname(fileURLToPath(import.meta.url));
const SHIPPED = ['index.ts', 'mock-server', 'conformance', 'reports', 'scenarios'];
const PROFILES_FOLDER = 'mock-server/profiles/';

/** Where the profiles are plugged in, and may name them. */
const REGISTRIES: Record<string, string> = {
  'mock-server/profiles/index.ts': 'the registry of profiles, and the default one',
  'mock-server/index.ts': "re-exports Omnium's role type for typed config files",
  'mock-server/msw.ts': '`golive/msw` keeps createOmniumHandlers for the tests users already wrote',
  'conformance/config/define.ts': "completes Omnium's roles in a typed config file (any other name is accepted)",
  'conformance/cli/main.ts': 'the --profile help names the default profile',
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const quoted = (names: readonly string[]) => new RegExp(`['"\`](${names.map(escape).join('|')})['"\`]`);
/** Names worth looking for: not `*`, nor a plain word any code may quote (Omneo's `return` scope). */
const distinctive = (names: readonly string[]) => names.filter((n) => /[-_:A-Z]/.test(n));

/**
 * Profiles named after a credential style (`api-key`, `refresh-token`) share their name with
 * the engine's own vocabulary (the api-key scheme, an `api-key` webhook auth): they are given
 * away by the first word of their title (the platform they stand for) instead.
 */
const STYLE_NAMED = new Set(['api-key', 'refresh-token']);
const byName = (name: string, title: string) => (STYLE_NAMED.has(name) ? new RegExp(`\\b${escape(title.split(' ')[0]!)}\\b`, 'i') : new RegExp(name, 'i'));

/** What would give a profile away, by profile; `except`: names two profiles share (a `Health_Get`). */
function namesOf(name: string, except: ReadonlySet<string> = new Set()): [string, RegExp][] {
  const p = getProfile(name);
  const keep = (names: readonly string[]) => distinctive(names).filter((n) => !except.has(n));
  // A list with nothing distinctive left (Omneo's event classes are plain words) looks for nothing:
  // an empty alternation would match every pair of empty quotes.
  const any = (what: string, names: readonly string[]): [string, RegExp][] => (keep(names).length ? [[what, quoted(keep(names))]] : []);
  return [
    [`the platform ${p.title} by name`, byName(p.name, p.title)],
    ...any(`a ${p.title} ${p.permissions.noun}`, p.permissions.all),
    ...any(`a ${p.title} endpoint id`, endpointInfo(p).map((e) => e.id)),
    ...any(`a ${p.title} event class`, p.events?.classNames ?? []),
  ];
}

const FORBIDDEN: [string, RegExp][] = Object.keys(PROFILES).flatMap((name) => namesOf(name));

/** Every name of every profile but `name`, less what `name` itself also has. */
function othersThan(name: string): [string, RegExp][] {
  const own = getProfile(name);
  const shared = new Set([...own.permissions.all, ...endpointInfo(own).map((e) => e.id), ...(own.events?.classNames ?? [])]);
  return Object.keys(PROFILES)
    .filter((n) => n !== name)
    .flatMap((n) => namesOf(n, shared));
}

/** The shipped TypeScript files: no tests, no test helpers. */
function shippedFiles(): string[] {
  return SHIPPED.flatMap((entry) =>
    entry.endsWith('.ts') ? [entry] : readdirSync(join(ROOT, entry), { recursive: true, encoding: 'utf8' }).map((f) => join(entry, f)),
  )
    .map((f) => relative(ROOT, join(ROOT, f)).split('\\').join('/'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('/test/') && !(f in REGISTRIES));
}

/** The profile a file belongs to, or `null` for the engine. */
const profileOf = (file: string): string | null => (file.startsWith(PROFILES_FOLDER) ? (file.slice(PROFILES_FOLDER.length).split('/')[0] ?? null) : null);

function findings(files: readonly string[], patterns: (file: string) => [string, RegExp][]): string[] {
  return files.flatMap((file) => {
    const forbidden = patterns(file);
    return code(file).flatMap((line, i) => forbidden.filter(([, re]) => re.test(line)).map(([what]) => `${file}:${i + 1}: ${what}: ${line.trim()}`));
  });
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
    const files = shippedFiles().filter((f) => profileOf(f) === null);
    expect(files.length).toBeGreaterThan(100);
    expect(findings(files, () => FORBIDDEN)).toEqual([]);
  });

  it("has no profile naming another's platform, permissions, endpoints or events", () => {
    const files = shippedFiles().filter((f) => profileOf(f) !== null && profileOf(f) !== 'index.ts');
    expect(new Set(files.map(profileOf))).toEqual(new Set(Object.keys(PROFILES)));
    expect(findings(files, (file) => othersThan(profileOf(file)!))).toEqual([]);
  });

  it('has a gate that would see a name', () => {
    expect(FORBIDDEN.some(([, re]) => re.test("roles: ['OrderRead']"))).toBe(true);
    expect(FORBIDDEN.some(([, re]) => re.test("if (e.routeId === 'Token_Post')"))).toBe(true);
    expect(FORBIDDEN.some(([, re]) => re.test("const prefix = 'OMNIUM_';"))).toBe(true);
    expect(FORBIDDEN.some(([, re]) => re.test("scope: 'read-profiles'"))).toBe(true);
    expect(othersThan('omneo').some(([, re]) => re.test("import { createTable } from '../../omnium/domain/table.ts';"))).toBe(true);
    expect(othersThan('omneo').some(([, re]) => re.test("id: 'Health_Get'"))).toBe(false);
  });
});
