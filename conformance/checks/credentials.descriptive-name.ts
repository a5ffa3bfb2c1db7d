import { defineCheck } from './check.ts';

const GENERIC = /^(test\w*|api|api[-_ ]?user\w*|user\d*|admin\w*|integration|unnamed|demo|default|client\d*|app|service|prod\w*|dev\w*|temp|tmp|foo|bar|x+)$/i;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Why a name does not identify a system, or `null` when it does. */
export function genericName(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed.length === 0) return 'it is empty';
  if (EMAIL.test(trimmed)) return 'it is an e-mail address (a person, not a system)';
  if (GENERIC.test(trimmed)) return `"${trimmed}" is a generic name`;
  if (trimmed.length < 4) return `"${trimmed}" is too short to identify a system`;
  return null;
}

export default defineCheck({
  id: 'credentials.descriptive-name',
  configOnly: true,
  title: 'The API user has a name that identifies the system it belongs to',
  section: 'Credentials',
  required: false,
  phases: [],
  remediation:
    'Name the API user after the system and purpose it serves, e.g. "ERP Order Export" or "PIM Product Sync", so that whoever reviews API users can tell what each one is for and rotate or remove it safely (config apiUser.name).',
  judge(obs) {
    const why = genericName(obs.apiUser.name);
    return why
      ? { verdict: 'fail', summary: `The API user's name does not identify a system: ${why}.`, evidence: [{ kind: 'note', text: `apiUser.name = "${obs.apiUser.name}"` }] }
      : { verdict: 'pass', summary: `The API user is named "${obs.apiUser.name}".`, evidence: [] };
  },
});
