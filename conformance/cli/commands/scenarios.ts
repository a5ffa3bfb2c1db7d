import { SCENARIOS } from '../../../scenarios/index.ts';
import type { ExitCode } from '../main.ts';

/** `golive scenarios`: the shipped scenarios, one line each. */
export default async function scenarios(): Promise<ExitCode> {
  const width = Math.max(...SCENARIOS.map((s) => s.name.length));
  for (const s of SCENARIOS) {
    const seconds = Math.round(s.phases.reduce((sum, p) => sum + p.durationMs, 0) / 1000);
    process.stdout.write(`${s.name.padEnd(width)}  ${String(seconds).padStart(3)} s  ${s.summary}\n`);
  }
  return 0;
}
