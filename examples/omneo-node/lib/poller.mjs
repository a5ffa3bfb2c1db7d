// The integration's own traffic: a reconciliation sweep. Every POLL_INTERVAL_MS it reads the
// next page of profiles (most recently changed first) and one profile of that page in full,
// and checks that the CRM's copy is current. A real CRM sync would compare and queue a fix;
// here a log line stands in for that. The webhook events do the writing.
//
// Each poll asks for the next page, so it is a new request, and a retry of one poll sends the
// very same request again (what golive tells apart). After the last page it starts over.
//
// Polls never overlap: the next one is scheduled when the previous one has finished, so a
// slow or throttled API slows the poller down instead of piling up requests.

import { HEALTH_PATH } from './api-client.mjs';
import { sleep } from './backoff.mjs';
import { log } from './log.mjs';
import { AuthPausedError } from './token-provider.mjs';

/** Break switch transport.https-only: a health check every this many polls, the first included. */
const HEALTH_EVERY = 10;

export function createPoller(settings, api, { signal }) {
  let page = 1; // the page the next poll reads
  let lastPage = null; // as the last list said
  let pick = 0; // which profile of a page is read in full: a different one each time
  let polls = 0;

  async function pollOnce() {
    // The next poll moves on even when this one fails: a failed page is not asked for again
    // until the sweep comes round to it.
    const read = page;
    page = lastPage !== null && read >= lastPage ? 1 : read + 1;
    const query = `page[size]=${settings.pageSize}&page[number]=${read}&sort=-updated_at`;
    const list = await api.get(`/api/v3/profiles?${query}`, { route: 'GET /api/v3/profiles' }).catch((error) => {
      if (error instanceof AuthPausedError || error.paused) page = read; // not asked for: this page is still next
      throw error;
    });
    // An answer that does not say how many pages there are (empty, or not the list) teaches
    // nothing about them: the sweep goes on as it was, not back to page 1 for good.
    const last = Number(list?.meta?.last_page);
    if (last > 0) lastPage = last;
    if (lastPage !== null && read >= lastPage) page = 1;
    const profiles = list?.data ?? [];
    if (profiles.length === 0) return log.info(`poll: page ${read} of ${lastPage} has no profiles`);
    const listed = profiles[pick++ % profiles.length];
    const profile = (await api.get(`/api/v3/profiles/${encodeURIComponent(listed.id)}`, { route: 'GET /api/v3/profiles/{id}' }))?.data;
    const synced = profile?.custom_fields?.crm_synced_at ? `CRM sync of ${profile.custom_fields.crm_synced_at}` : 'not synced to the CRM yet';
    log.info(`poll: page ${read} of ${lastPage} (${profiles.length} profiles); profile ${profile?.id} (${profile?.tier_handle ?? 'no tier'}, ${profile?.point_balance ?? 0} points): ${synced}`);
  }

  function report(error) {
    if (signal.aborted || error instanceof AuthPausedError || error.logged) return; // said already
    log.error(`poll failed: ${error.message}`);
  }

  async function run() {
    while (!signal.aborted) {
      // Break switch only: now and then a health check, whose URL api-client builds on http://.
      if (settings.breaks.has('transport.https-only') && polls++ % HEALTH_EVERY === 0) {
        await api.get(HEALTH_PATH, { route: `GET ${HEALTH_PATH}` }).catch(report);
      }
      await pollOnce().catch(report);
      await sleep(settings.pollIntervalMs, signal).catch(() => {});
    }
  }

  return { run };
}
