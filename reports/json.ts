import type { Report } from './model.ts';

/** The report as `report.json` stores it: the model as it is, two-space indented, with a final newline. */
export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
