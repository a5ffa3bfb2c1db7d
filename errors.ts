/**
 * Every error golive itself raises, with a stable code and the sentence a user sees.
 * `errors.test.ts` keeps this list and the README's table in step.
 */
export const ERROR_CODES = {
  GOLIVE_ERR_CONFIG_NOT_FOUND: 'the config file given with --config does not exist',
  GOLIVE_ERR_CONFIG_INVALID: 'a config key has the wrong type or value',
  GOLIVE_ERR_CONFIG_UNKNOWN_KEY: 'the config names a key golive does not know',
  GOLIVE_ERR_CONFIG_LOAD: 'the config file could not be loaded (syntax error, throws on import)',
  GOLIVE_ERR_USAGE: 'the command line is wrong (unknown flag, missing value)',
  GOLIVE_ERR_COMMAND_NOT_FOUND: "the integration's command could not be started",
  GOLIVE_ERR_NOT_READY: 'the integration exited or timed out before it was ready',
  GOLIVE_ERR_PORT_IN_USE: 'a port golive was told to listen on is taken',
  GOLIVE_ERR_UNKNOWN_ROLE: "a role (or scope, or permission) is not one of the profile's",
  GOLIVE_ERR_UNKNOWN_PROFILE: 'a profile name (config `profile`, `--profile`) is not one golive knows',
  GOLIVE_ERR_PROFILE_INVALID: "a profile's definition contradicts itself (a role that includes itself through others, one that includes an unknown role)",
  GOLIVE_ERR_UNKNOWN_CHECK: 'a check id given with --only is not in the checklist',
  GOLIVE_ERR_UNKNOWN_SCENARIO: 'a scenario name is neither one golive ships nor a scenario file',
  GOLIVE_ERR_SCENARIO_INVALID: 'a scenario file has a mistake (the message names the file, the phase and the key)',
  GOLIVE_ERR_REPORT_INVALID: 'the file given to golive report does not exist, is not JSON or is not a golive report (the message says which)',
  GOLIVE_ERR_BASELINE_INVALID: 'the baseline file (--baseline) does not exist, is not YAML or JSON, or has a wrong entry or an unknown check id (the message names the file and the line)',
  GOLIVE_ERR_KEY_INVALID: 'a key file (certify --sign, verify --key) does not exist, cannot be read, is of the wrong kind (public for signing) or not ES256 (P-256) or EdDSA (Ed25519)',
  GOLIVE_ERR_CERTIFICATE_UNREADABLE: 'the certificate given to golive verify does not exist or cannot be read',
  GOLIVE_ERR_BAD_REQUEST: 'a request to the admin API has a wrong field',
  GOLIVE_ERR_NOT_FOUND: 'the admin API was asked for something that does not exist',
  GOLIVE_ERR_CONFLICT: 'the admin API was asked to create something that exists already',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error of golive's own: a stable code and one clear sentence, never a stack trace for the user. */
export class GoliveError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GoliveError';
  }
}
