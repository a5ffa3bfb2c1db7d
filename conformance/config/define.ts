import type { OmniumRole } from '../../mock-server/index.ts';
import type { ConfigSchemaInput, ConfigSchemaOutput } from './schema.ts';

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type ApiUserInput = NonNullable<ConfigSchemaInput['apiUser']>;

/** What a config file may contain: every key optional; roles offer Omnium's roles and accept any other platform's names. */
export type GoliveConfigInput = Simplify<
  Omit<ConfigSchemaInput, 'apiUser'> & {
    apiUser?: Simplify<Omit<ApiUserInput, 'roles'> & { roles?: (OmniumRole | (string & {}))[] }>;
  }
>;

type IntegrationOutput = ConfigSchemaOutput['integration'];

/**
 * The config after loading: defaults filled in, `integration.cwd` and `workspace` absolute,
 * and a command to run (from the file or the command line).
 */
export type GoliveConfig = Simplify<
  Omit<ConfigSchemaOutput, 'integration' | 'workspace'> & {
    integration: Simplify<Omit<IntegrationOutput, 'command' | 'cwd'> & { command: string | string[]; cwd: string }>;
    workspace: string;
    /** The file the config came from (absolute); absent when there was none. */
    configFile?: string;
  }
>;

/**
 * Types a config file; returns its argument unchanged.
 * @example
 * export default defineConfig({ integration: { command: 'node server.js' }, apiUser: { name: 'ERP Order Export', roles: ['OrderRead'] } });
 */
export function defineConfig(config: GoliveConfigInput): GoliveConfigInput {
  return config;
}
