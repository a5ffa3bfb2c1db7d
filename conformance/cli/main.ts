/**
 * The `golive` command line: parse with cac, lazy-load the command, decide the exit code
 * here and nowhere else. Our own errors print one line; anything else is a bug.
 */
import { cac } from 'cac';
import { GoliveError } from '../../errors.ts';
import { VERSION } from '../version.ts';

/** 0, 1, 2 as the contract says; 130 and 143: certify or demo stopped by SIGINT or SIGTERM (128 + the signal's number). */
export type ExitCode = 0 | 1 | 2 | 130 | 143;
type Flags = Record<string, unknown> & { '--'?: string[] };

const cli = cac('golive');

cli
  .command('serve', 'Run the simulated API until stopped (Ctrl-C stops it cleanly)')
  .option('--profile <name>', 'the platform to simulate (omnium; a wrong name lists the known ones)')
  .option('--port <n>', 'port of the test environment (0: chosen by the OS)')
  .option('--admin-port <n>', 'port of the admin API (0: chosen by the OS)')
  .option('--seed <n>', 'seed of the generated data and faults', { default: 1 })
  .option('--data-scale <n>', 'how many orders to generate (stores, products, customers grow with it)')
  .option('--tenants <list>', 'comma-separated tenant ids (default: acme)')
  .option('--journal-bytes <size>', "the traffic journal's memory bound: 64MB, 512KiB, or bytes (default 16MiB; the oldest entries go first)")
  .option('--no-tls', 'serve plain HTTP instead of HTTPS')
  .option('--scenario <name>', 'run a scenario (a name from `golive scenarios`, or a scenario file) against the demo user')
  .option('--no-rate-limits', "turn the platform's per-user rate limits off (load tests of an integration)")
  .option('--rate-limit-headers', 'add the IETF RateLimit and RateLimit-Policy headers')
  .option('--json', 'print one JSON line with URLs and credentials once ready')
  .action((flags: Flags) => run('serve', flags));

cli
  .command('certify [...command]', 'Run an integration against the mock and judge every check')
  .option('--config <file>', 'config file (default: golive.config.{ts,mjs,js,json} here)')
  .option('--out <dir>', 'where the reports go', { default: 'golive-report' })
  .option('--only <ids>', 'comma-separated check ids to judge')
  .option('--format <list>', 'comma-separated report formats to write: json, junit, md, html, sarif (default: all)')
  .option('--fast', 'shortened phase timings (for tests and demos)')
  .option('--console', 'print a link to the live console: traffic, phases and the checklist filling in')
  .option('--repeat <n>', 'run the plan n times (each with a fresh mock) and report a check whose verdict changes as flaky')
  .option('--baseline <file>', 'accepted failures (YAML or JSON, from `golive baseline write`): they do not fail the run; stale or expired entries do')
  .option('--sign <key>', 'write certificate.jws beside the reports, signed with this private key (PEM or JWK, ES256 or EdDSA)')
  .action((command: string[], flags: Flags) => run('certify', flags, { command }));

cli
  .command('demo [scenario]', 'Run the naive and the resilient example side by side through a scenario (default: tour), narrated')
  .option('--fast', 'shortened phases (for tests and quick demos)')
  .option('--json', 'print one JSON document (phases, facts, verdicts) at the end; the narration goes to stderr')
  .option('--seed <n>', 'seed of the generated data and faults')
  .action((scenario: string | undefined, flags: Flags) => run('demo', flags, scenario === undefined ? {} : { scenario }));

cli
  .command('report <file>', 'Render a saved report.json again, to stdout or --out')
  .option('--format <name>', 'json, junit, md, html or sarif')
  .option('--out <file>', 'write to this file instead of stdout')
  .action((file: string, flags: Flags) => run('report', flags, { file }));

cli
  .command('baseline <action> <report>', 'write: make a baseline of accepted failures from a report.json (every failing required check, reason "TODO")')
  .option('--out <file>', 'write it to this file (.json: JSON, else YAML) instead of stdout')
  .action((action: string, report: string, flags: Flags) => run('baseline', flags, { action, report }));

cli
  .command('verify <certificate> <report>', 'Check a certificate.jws written by certify --sign against its report.json')
  .option('--key <file>', 'the public key (PEM or JWK) of the signing key')
  .option('--max-age <duration>', 'refuse a certificate signed longer ago than this (30d, 12h, 90m, 3600s)')
  .action((certificate: string, report: string, flags: Flags) => run('verify', flags, { certificate, report }));

cli.command('checks', 'List the checklist: id, required or advisory').action((flags: Flags) => run('checks', flags));
cli.command('scenarios', 'List the scenarios, one line each').action((flags: Flags) => run('scenarios', flags));

cli.help();
cli.version(VERSION);

// Each command takes the flags cac parsed for it; their shapes differ, so they are typed loosely here.
type Command = { default: (flags: any) => Promise<ExitCode> };
const COMMANDS = {
  serve: (): Promise<Command> => import('./commands/serve.ts'),
  certify: (): Promise<Command> => import('./commands/certify.ts'),
  demo: (): Promise<Command> => import('./commands/demo.ts'),
  checks: (): Promise<Command> => import('./commands/checks.ts'),
  report: (): Promise<Command> => import('./commands/report.ts'),
  baseline: (): Promise<Command> => import('./commands/baseline.ts'),
  verify: (): Promise<Command> => import('./commands/verify.ts'),
  scenarios: (): Promise<Command> => import('./commands/scenarios.ts'),
};

let exiting = false;

/** cac lets unknown flags through; a typo must not be silently ignored. */
function rejectUnknownFlags(flags: Flags): void {
  const known = new Set(['--', 'help', 'h', 'version', 'v']);
  for (const option of cli.matchedCommand?.options ?? []) for (const n of option.names) known.add(n);
  for (const option of cli.globalCommand.options) for (const n of option.names) known.add(n);
  const unknown = Object.keys(flags).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    const shown = unknown.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ');
    throw new GoliveError('GOLIVE_ERR_USAGE', `unknown option ${shown} (see golive ${cli.matchedCommand?.name ?? ''} --help)`);
  }
}

/**
 * Loads a command's module on demand (so `golive checks` does not load fastify) and runs it
 * with its flags and, beside them, its positional arguments (which are not flags to check).
 */
async function run(name: keyof typeof COMMANDS, flags: Flags, args: Record<string, unknown> = {}): Promise<void> {
  let code: ExitCode;
  try {
    rejectUnknownFlags(flags);
    const mod = await COMMANDS[name]();
    code = await mod.default({ ...flags, ...args });
  } catch (err) {
    code = 2;
    if (err instanceof GoliveError) process.stderr.write(`golive: ${err.message} (${err.code})\n`);
    else process.stderr.write(`golive: internal error, please report it: ${String((err as Error)?.stack ?? err)}\n`);
  }
  exiting = true;
  process.exitCode = code;
}

try {
  cli.parse(process.argv, { run: false });
  if (!cli.matchedCommand && cli.args.length > 0) {
    throw new GoliveError('GOLIVE_ERR_USAGE', `unknown command "${cli.args[0]}" (see golive --help)`);
  }
  if (!cli.matchedCommand && !cli.options.help && !cli.options.version) cli.outputHelp();
  else await cli.runMatchedCommand();
} catch (err) {
  if (!exiting) {
    process.stderr.write(`golive: ${(err as Error).message}\n`);
    process.exitCode = 2;
  }
}
