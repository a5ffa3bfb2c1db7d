/** golive's public API: the mock server, the config helper and the check catalog. */
export * from './mock-server/index.ts';
export { GoliveError, ERROR_CODES, type ErrorCode } from './errors.ts';
