import type { ClearCredential, JournalEntry, SecretKind } from '../../mock-server/index.ts';
import { defineCheck, firstOf, inconclusive, requestEvidence, testUsers } from './check.ts';

const KIND_WORDS: Record<SecretKind, string> = {
  token: 'the bearer token',
  'client-secret': 'the client secret',
  'webhook-secret': 'the webhook secret',
  'admin-token': "golive's admin token",
  'platform-secret': "a secret of the platform's own",
};

/** `the bearer token in the authorization header`, `the client secret in the body`… */
function credentialWords(c: ClearCredential): string {
  const where =
    c.where === 'header' ? `the ${c.name ?? ''} header` : c.where === 'query' ? `the query string (${c.name ?? ''})` : c.where === 'path' ? 'the path' : 'the body';
  return `${KIND_WORDS[c.kind]} in ${where}`;
}

/** Each credential sent in clear, with the number of plain requests that carried it. */
function credentialsSent(plain: readonly JournalEntry[]): string[] {
  const counts = new Map<string, number>();
  for (const e of plain) for (const words of new Set(e.sentInClear.map(credentialWords))) counts.set(words, (counts.get(words) ?? 0) + 1);
  return [...counts].map(([words, n]) => `${words} (${n} request${n === 1 ? '' : 's'})`);
}

/** What one plain request carried: `plain HTTP: the bearer token in the authorization header sent in clear (eyJh…Q2x8)`. */
function plainNote(e: JournalEntry): string {
  if (e.sentInClear.length === 0) return 'plain HTTP, no credentials';
  const credential = e.tokenMasked ? ` (${e.tokenMasked})` : '';
  return `plain HTTP: ${[...new Set(e.sentInClear.map(credentialWords))].join(', ')} sent in clear${credential}`;
}

export default defineCheck({
  id: 'transport.https-only',
  title: 'The integration calls the API over HTTPS only',
  section: 'Beyond the Omnium checklist',
  required: true,
  phases: [],
  remediation:
    'Build every URL from the HTTPS base URL you are given, never from a hard-coded or assembled http:// one, and do not follow a redirect to http://: over plain HTTP the token, the client secret and the data cross the network in clear, for anyone on the path to read or change. Treat an http:// API URL in the configuration as an error.',
  judge(obs) {
    // The run's own API users; a plain request without credentials names none and still counts.
    const ours = (e: JournalEntry) => e.apiUser === null || testUsers(obs).has(e.apiUser) || e.apiUser === obs.clients.production;
    const traffic = obs.journal.filter(ours);
    const plain = traffic.filter((e) => e.transport === 'http');
    if (plain.length > 0) {
      const sent = credentialsSent(plain);
      return {
        verdict: 'fail',
        summary: `${plain.length} request(s) went to the API over plain HTTP (http://) instead of HTTPS${sent.length > 0 ? `, sending in clear ${sent.join(', ')}` : ', without credentials'}. golive answered each with 403.`,
        evidence: firstOf(plain.map((e) => requestEvidence(obs, e, plainNote(e)))),
      };
    }
    if (traffic.length === 0) {
      return inconclusive('The integration sent no request to the API, so whether it keeps to HTTPS could not be observed.');
    }
    return { verdict: 'pass', summary: `All ${traffic.length} requests to the API came over HTTPS; none over plain HTTP.`, evidence: [] };
  },
});
