import type { Evidence } from '../../reports/model.ts';
import { defineCheck, firstOf, secondsAt } from './check.ts';
import { isLogFile } from './credentials.secret-not-in-source.ts';

export default defineCheck({
  id: 'token.not-logged',
  title: 'Tokens and secrets never appear in the integration\'s logs',
  section: 'Token handling',
  required: true,
  phases: [],
  remediation:
    'Never log tokens, client secrets or webhook secrets, not even a prefix: log that a token was obtained and when it expires, and mask Authorization headers in request logging.',
  judge(obs) {
    const inOutput = obs.secrets.filter((s) => s.where === 'log');
    const inFiles = obs.secrets.filter((s) => s.where === 'file' && isLogFile(s.file ?? ''));
    if (inOutput.length + inFiles.length === 0) {
      return { verdict: 'pass', summary: `No token or secret in ${obs.logs.length} line(s) of output or in log files.`, evidence: [] };
    }
    const evidence: Evidence[] = [
      ...inOutput.map(
        (s): Evidence => ({
          kind: 'log',
          stream: s.stream ?? 'stdout',
          at: secondsAt(obs, s.mono ?? obs.runStartMono),
          text: s.text ?? s.masked,
          note: `${s.kind} ${s.how === 'full' ? 'in full' : `(${s.how})`}`,
        }),
      ),
      ...inFiles.map((s): Evidence => ({ kind: 'file', path: s.file ?? '?', line: s.line ?? 0, note: `${s.kind} ${s.masked}` })),
    ];
    const kinds = [...new Set([...inOutput, ...inFiles].map((s) => s.kind))].join(', ');
    return {
      verdict: 'fail',
      summary: `The integration logged ${kinds} ${inOutput.length + inFiles.length} time(s).`,
      evidence: firstOf(evidence),
    };
  },
});
