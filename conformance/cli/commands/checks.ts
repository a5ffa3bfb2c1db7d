import { CHECKS } from '../../checks/index.ts';
import type { ExitCode } from '../main.ts';

/** `golive checks`: the catalog, one line per check. */
export default async function checks(): Promise<ExitCode> {
  const width = Math.max(...CHECKS.map((c) => c.id.length));
  for (const c of CHECKS) {
    process.stdout.write(`${c.id.padEnd(width)}  ${c.required ? 'required' : 'advisory'}  ${c.title}\n`);
  }
  return 0;
}
