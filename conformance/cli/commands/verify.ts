import { readFile } from 'node:fs/promises';
import { GoliveError } from '../../../errors.ts';
import { KeyProblem, type LoadedKey, describeCertificate, loadVerifyKey, parseDuration, verifyCertificate } from '../../../reports/certificate.ts';
import type { ExitCode } from '../main.ts';

interface VerifyFlags {
  certificate: string;
  report: string;
  key?: unknown;
  maxAge?: unknown;
  /** Injected clock (tests). */
  now?: Date;
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function readInput(file: string, what: 'certificate' | 'report'): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code ?? String(err)})`;
    throw new GoliveError(what === 'certificate' ? 'GOLIVE_ERR_CERTIFICATE_UNREADABLE' : 'GOLIVE_ERR_REPORT_INVALID', `${what} ${file} ${why}`);
  }
}

/**
 * `golive verify CERT.jws REPORT.json --key PUBLIC [--max-age DURATION]`: the signature, that the
 * report is the one signed, its age; then what it certifies. 0 valid and certified; 1 invalid,
 * changed, too old or not certified; 2 unusable input (a missing file, a key that cannot be used).
 */
export default async function verifyCommand(flags: VerifyFlags): Promise<ExitCode> {
  if (flags.key === undefined || flags.key === true || String(flags.key).trim() === '') {
    throw new GoliveError('GOLIVE_ERR_USAGE', '--key PUBLIC is required: the public key (PEM or JWK) of the key certify --sign used');
  }
  let maxAgeSeconds: number | undefined;
  if (flags.maxAge !== undefined) {
    const parsed = parseDuration(String(flags.maxAge));
    if (parsed === null) throw new GoliveError('GOLIVE_ERR_USAGE', `--max-age: expected a duration such as 30d, 12h, 90m or 3600s, got "${String(flags.maxAge)}"`);
    maxAgeSeconds = parsed;
  }
  let key: LoadedKey;
  try {
    key = await loadVerifyKey(String(flags.key));
  } catch (err) {
    if (err instanceof KeyProblem) throw new GoliveError('GOLIVE_ERR_KEY_INVALID', err.message);
    throw err;
  }
  const jws = (await readInput(String(flags.certificate), 'certificate')).toString('utf8');
  const report = await readInput(String(flags.report), 'report');
  const result = await verifyCertificate(jws, report, key, { ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}), ...(flags.now ? { now: flags.now } : {}) });
  if (!result.valid) {
    say(`INVALID: ${flags.certificate}: ${result.problem}`);
    return 1;
  }
  say(`valid: ${flags.certificate} is signed by key ${key.kid} (${key.alg}) and ${flags.report} is the report it signed`);
  for (const line of describeCertificate(result.payload)) say(line);
  return result.certified ? 0 : 1;
}
