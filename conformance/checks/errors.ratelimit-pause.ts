import type { JournalEntry } from '../../mock-server/index.ts';
import type { Evidence } from '../../reports/model.ts';
import { defineCheck, requestEvidence, testUsers } from './check.ts';
import { answeredAt, round } from './error-traffic.ts';

/** How the journal names the answer of a `ratelimit` fault rule: `ratelimit r=0;t=2`. */
const RATELIMIT_KIND = /^ratelimit r=(\d+);t=(\d+)$/;
/** A call this little before `t` is timer noise (the mock notes its answer a little late). */
const TOLERANCE_MS = 50;

/**
 * Security-tests.md case 77, a soft check: an answer that says the quota is used up
 * (`RateLimit: "default";r=0;t=<seconds>`, draft-ietf-httpapi-ratelimit-headers -10/-11 as RFC 9651
 * structured fields) asks the client to pause until `t` has passed rather than run into 429s.
 * Judged only on answers that carried the header with `r=0`: Omnium documents no RateLimit header
 * (omnium-api.md A7), so certify sends it only for an integration whose config says it reads it
 * (`integration.rateLimitHeaders`), and otherwise this check does not apply.
 */
export default defineCheck({
  id: 'errors.ratelimit-pause',
  title: 'An answer that says the quota is used up (RateLimit r=0) is followed by a pause until its reset',
  section: 'Error handling',
  required: false,
  phases: ['ratelimit-pause'],
  appliesTo: (ctx) =>
    ctx.config.integration.rateLimitHeaders
      ? true
      : 'The platform documents no RateLimit header, so golive sends it only for an integration that reads it: set integration.rateLimitHeaders to have the pause judged.',
  remediation:
    'Read the IETF RateLimit header: when an answer says `r=0`, send nothing more to that API until `t` seconds have passed (then the quota is back), instead of running into 429s.',
  judge(obs) {
    const users = testUsers(obs);
    const ours = obs.journal.filter((e) => e.apiUser !== null && users.has(e.apiUser));
    const told = ours.flatMap((e) => {
      const m = e.fault ? RATELIMIT_KIND.exec(e.fault.kind) : null;
      return m && Number(m[1]) === 0 ? [{ e, t: Number(m[2]) }] : [];
    });
    if (told.length === 0) {
      return {
        verdict: 'not-applicable',
        summary: 'No answer carried a RateLimit header with r=0 (the platform documents none, and golive sends it only in the ratelimit-pause phase), so there was no pause to judge.',
        evidence: [],
      };
    }
    const evidence: Evidence[] = [];
    const problems: string[] = [];
    const kept: string[] = [];
    for (const { e, t } of told) {
      evidence.push(requestEvidence(obs, e, `answered 200 with RateLimit: "default";r=0;t=${t}`));
      const back = answeredAt(e) + t * 1000;
      const later = ours.filter((x: JournalEntry) => x.seq > e.seq && x.apiUser === e.apiUser && !x.tokenRequest);
      const early = later.filter((x) => x.mono < back - TOLERANCE_MS);
      if (early.length > 0) {
        const first = early[0]!;
        evidence.push(...early.slice(0, 5).map((x) => requestEvidence(obs, x, `sent ${round((x.mono - answeredAt(e)) / 1000, 2)} s after, before t=${t} s`)));
        problems.push(`${early.length} call(s) came before the quota was back: the first ${round((first.mono - answeredAt(e)) / 1000, 2)} s after an answer said RateLimit r=0;t=${t}`);
      } else {
        const next = later[0];
        kept.push(next ? `the next call came ${round((next.mono - answeredAt(e)) / 1000, 1)} s after an answer said RateLimit r=0;t=${t}` : `no call after an answer said RateLimit r=0;t=${t}`);
      }
    }
    if (problems.length > 0) return { verdict: 'fail', summary: `${problems.join('; ')}.`, evidence };
    return { verdict: 'pass', summary: `The client paused until the quota was back: ${kept.join('; ')}.`, evidence };
  },
});
