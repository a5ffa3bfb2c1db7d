/**
 * Finds, loads and validates the config file, and resolves it into a `GoliveConfig`.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { GoliveError } from '../../errors.ts';
import type { GoliveConfig } from './define.ts';
import { configError, expectationMap } from './issues.ts';
import { configSchema } from './schema.ts';

/** The names looked for in the working directory, in this order; the first found wins. */
export const CONFIG_FILE_NAMES = [
  'golive.config.ts',
  'golive.config.mts',
  'golive.config.mjs',
  'golive.config.js',
  'golive.config.json',
] as const;

const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

/** Where to look for the config, and the command line's say. */
export interface LoadConfigOptions {
  /** Where golive was started; the config file is looked for here. */
  cwd: string;
  /** `--config FILE`, relative to `cwd`. */
  file?: string;
  /** The argv after `--` on the command line; replaces `integration.command` when not empty. */
  commandOverride?: readonly string[];
}

/**
 * The run's config: from `--config`, or the first `golive.config.*` in `cwd`, or defaults
 * alone when there is no file but a command was given.
 * @example const config = await loadConfig({ cwd: process.cwd(), commandOverride: ['node', 'app.js'] });
 */
export async function loadConfig(options: LoadConfigOptions): Promise<GoliveConfig> {
  const cwd = resolve(options.cwd);
  const file = options.file === undefined ? findConfigFile(cwd) : explicitFile(cwd, options.file);
  const where = file === undefined ? 'command line' : shortName(cwd, file);
  const raw = file === undefined ? {} : await readConfigFile(file, where);

  const parsed = configSchema.safeParse(raw, { error: expectationMap, reportInput: true });
  if (!parsed.success) throw configError(parsed.error.issues, where);
  const config = parsed.data;

  const override = options.commandOverride ?? [];
  const command = override.length > 0 ? [...override] : config.integration.command;
  if (command === undefined) {
    if (file === undefined) {
      throw new GoliveError(
        'GOLIVE_ERR_USAGE',
        `no integration to run: no ${CONFIG_FILE_NAMES.join(', ')} in ${cwd} and no command after -- (e.g. golive certify -- node app.js)`,
      );
    }
    throw new GoliveError(
      'GOLIVE_ERR_CONFIG_INVALID',
      `${where}: integration.command: missing, expected the command that starts the integration (or give it after --)`,
    );
  }

  const base = file === undefined ? cwd : dirname(file);
  const integrationCwd = resolve(base, config.integration.cwd ?? '.');
  return {
    ...config,
    integration: { ...config.integration, command, cwd: integrationCwd },
    workspace: config.workspace === undefined ? integrationCwd : resolve(base, config.workspace),
    ...(config.baseline === undefined ? {} : { baseline: resolve(base, config.baseline) }),
    ...(file === undefined ? {} : { configFile: file }),
  };
}

/** The first of `CONFIG_FILE_NAMES` present in `dir`, if any. */
export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = join(dir, name);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

function explicitFile(cwd: string, given: string): string {
  const file = resolve(cwd, given);
  if (!existsSync(file)) {
    throw new GoliveError('GOLIVE_ERR_CONFIG_NOT_FOUND', `config file ${given} does not exist (looked at ${file})`);
  }
  if (!statSync(file).isFile()) {
    throw new GoliveError('GOLIVE_ERR_CONFIG_NOT_FOUND', `config file ${given} is not a file`);
  }
  return file;
}

/** The file as the user would name it: relative to where golive runs when it is below it. */
function shortName(cwd: string, file: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

async function readConfigFile(file: string, where: string): Promise<unknown> {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') {
    const text = await readFile(file, 'utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new GoliveError('GOLIVE_ERR_CONFIG_LOAD', `${where} is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!MODULE_EXTENSIONS.has(ext)) {
    throw new GoliveError(
      'GOLIVE_ERR_CONFIG_LOAD',
      `${where}: golive reads configs written in TypeScript, JavaScript or JSON (.ts, .mts, .mjs, .js, .json), not ${ext || 'a file without extension'}`,
    );
  }
  let mod: { default?: unknown };
  try {
    mod = (await tsImport(pathToFileURL(file).href, import.meta.url)) as { default?: unknown };
  } catch (err) {
    throw new GoliveError('GOLIVE_ERR_CONFIG_LOAD', `${where} could not be loaded: ${oneLine(err)}`);
  }
  const value = await unwrapDefault(mod.default);
  if (value === undefined) {
    throw new GoliveError(
      'GOLIVE_ERR_CONFIG_LOAD',
      `${where} has no default export (write: export default defineConfig({ ... }))`,
    );
  }
  return value;
}

/**
 * The config object of a module's default export. A `.ts` file in a package without
 * `"type": "module"` is compiled to CommonJS, whose default export arrives one level down.
 */
async function unwrapDefault(value: unknown): Promise<unknown> {
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, 'default')) {
    const keys = Object.keys(value);
    if ('__esModule' in value || (keys.length === 1 && keys[0] === 'default')) {
      return (value as { default: unknown }).default;
    }
  }
  return value;
}

/** An import failure in one line: esbuild's "Transform failed with 1 error:" header dropped. */
function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^Transform failed with \d+ errors?:?$/.test(l));
  return lines.slice(0, 2).join(' ') || 'unknown error';
}
