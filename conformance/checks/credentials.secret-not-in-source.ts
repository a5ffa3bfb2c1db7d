import type { Evidence } from '../../reports/model.ts';
import { defineCheck, firstOf } from './check.ts';
import type { SecretSighting } from './observations.ts';

/** Code and config: a secret in one of these is in source, even inside a `log/` folder (a logging module). */
const SOURCE = /\.(c|m)?[jt]sx?$|\.(py|rb|go|java|kt|cs|php|rs|sh|ps1|env|ya?ml|toml|ini|properties)$/i;

/** Log files are judged by `token.not-logged`; every other file of the workspace here. */
export const isLogFile = (file: string): boolean =>
  /\.log(\.\d+)?$/i.test(file) || (/(^|\/)logs?\//i.test(file) && !SOURCE.test(file));

/** Files of plain text: no code, no structured config, so nothing but a place to keep the key in. */
const PLAIN_TEXT = /(^|\/)[^./]+$|\.(txt|text|key|secret|cfg|conf|dat)$/i;

/** Which of the guide's poor practices a sighting shows (seed 004), when it is one of them. */
function practice(s: SecretSighting): string | undefined {
  if (s.kind === 'encryption-key') return `the key that decrypts ${s.beside ?? 'an encrypted file'}, in the same workspace`;
  if (s.context === 'url') return 'in a URL';
  if (s.context === 'literal' && SOURCE.test(s.file ?? '')) return 'a string literal in source';
  if (PLAIN_TEXT.test(s.file ?? '')) return 'a plain-text file';
  return undefined;
}

const evidence = (s: SecretSighting): Evidence => {
  const how = practice(s);
  return {
    kind: 'file',
    path: s.file ?? '?',
    line: s.line ?? 0,
    note: `${s.kind} ${s.masked}${s.how === 'full' ? '' : ` (${s.how})`}${s.commit ? ` in commit ${s.commit.slice(0, 10)}` : ''}${how ? `: ${how}` : ''}`,
  };
};

export default defineCheck({
  id: 'credentials.secret-not-in-source',
  title: 'No secret or token is stored in plain text in the integration\'s files',
  section: 'Credentials',
  required: true,
  phases: [],
  remediation:
    'Keep the client secret or API key, tokens and the webhook secret out of source, config and cache files, out of plain-text files and out of URLs: read them from the environment or a secret store (Azure Key Vault, AWS Secrets Manager, HashiCorp Vault, reached with a client certificate), keep tokens in memory, keep the key of an encrypted config file outside the workspace that holds it, and remove committed secrets from git history and rotate them.',
  judge(obs) {
    const found = obs.secrets.filter((s) => s.where === 'file' && !isLogFile(s.file ?? ''));
    if (found.length === 0) {
      return { verdict: 'pass', summary: 'No secret or token was found in the workspace or its git history.', evidence: [] };
    }
    const files = [...new Set(found.map((s) => s.file))];
    const practices = [...new Set(found.flatMap((s) => practice(s)?.replace(/^the key that decrypts .*/, 'a decryption key beside its encrypted file') ?? []))];
    return {
      verdict: 'fail',
      summary: `${found.length} secret(s) found in plain text in ${files.length} file(s): ${files.slice(0, 3).join(', ')}${files.length > 3 ? '…' : ''}${practices.length ? ` (${practices.join('; ')})` : ''}.`,
      evidence: firstOf(found.map(evidence)),
    };
  },
});
