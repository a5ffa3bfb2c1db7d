/** golive's public API: the mock server, the config helper, the report model and the errors. */
export * from './mock-server/index.ts';
export { defineConfig, type GoliveConfig, type GoliveConfigInput } from './conformance/config/define.ts';
export type { Report, CheckResult, Evidence, Verdict } from './reports/model.ts';
export { GoliveError, ERROR_CODES, type ErrorCode } from './errors.ts';
export { defineScenario, type Scenario } from './conformance/runner/scenario.ts';
export type { PhaseSpec, PhaseAction } from './conformance/runner/plan.ts';
