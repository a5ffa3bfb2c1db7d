/**
 * A platform whose permissions are OAuth scopes (the mock's Omneo profile), for the checks'
 * unit tests: its endpoints, its vocabulary, and token requests as its journal records them.
 *
 * @example
 * const j = journal();
 * const token = scopedTokenRequest(j, { at: 1, scope: '*' });
 * j.apiCall({ at: 2, token, endpoint: SCOPED.listProfiles });
 * const finding = check.judge(scopedObservations({ journal: j.entries, apiUser: { roles: ['read-profiles'] } }));
 */
import { type EndpointInfo, type JournalEntry, endpointInfo, getProfile } from '../../../mock-server/index.ts';
import type { Observations } from '../observations.ts';
import { type JournalBuilder, TEST_CLIENT, observations } from './journal.ts';

const PROFILE = getProfile('omneo');
const TABLE = new Map(endpointInfo(PROFILE).map((e) => [e.id, e]));

function endpoint(id: string): EndpointInfo {
  const found = TABLE.get(id);
  if (!found) throw new Error(`Omneo has no endpoint ${id}`);
  return found;
}

/** A few endpoints of the mock's Omneo table, taken from it. */
export const SCOPED = {
  token: endpoint('Auth_Token'),
  listProfiles: endpoint('Profiles_List'),
  getProfile: endpoint('Profiles_Get'),
  updateProfile: endpoint('Profiles_Update'),
};

/** Observations of a run on the scoped platform: its endpoints and vocabulary, the given API user's scopes. */
export function scopedObservations(partial: Parameters<typeof observations>[0] = {}): Observations {
  return observations({ endpoints: Object.values(SCOPED), permissions: PROFILE.permissions, ...partial });
}

export interface ScopedTokenOptions {
  at?: number;
  client?: string;
  /** The tenant whose token endpoint was asked; default `golive`. */
  tenant?: string;
  /** The `scope` field's value; absent: no `scope` field. */
  scope?: string;
  /**
   * The fields written `name: value` in the guide and copied with their colon: sent as
   * `name:` (URL-encoded `name%3A`), which the endpoint does not take.
   */
  withColon?: readonly ('username' | 'password' | 'scope')[];
  status?: number;
}

/** `POST /api/v3/auth/token` as the mock journals it: the form body (secret masked) and the fields it does not take. */
export function scopedTokenRequest(j: JournalBuilder, options: ScopedTokenOptions = {}): JournalEntry {
  const client = options.client ?? TEST_CLIENT;
  const colon = new Set(options.withColon ?? []);
  const form: [string, string][] = [
    ['grant_type', 'client_credentials'],
    ['client_id', client],
    ['client_secret', 'sec_…Xy'],
  ];
  if (colon.has('username')) form.push(['username:', client]);
  if (colon.has('password')) form.push(['password:', 'sec_…Xy']);
  if (options.scope !== undefined) form.push([colon.has('scope') ? 'scope:' : 'scope', options.scope]);
  return j.tokenRequest({
    ...(options.at === undefined ? {} : { at: options.at }),
    client,
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    ...(options.status === undefined ? {} : { status: options.status }),
    endpoint: SCOPED.token,
    body: new URLSearchParams(form).toString(),
    unaccepted: [...colon].filter((f) => f !== 'scope' || options.scope !== undefined).map((f) => `body.${f}:`),
  });
}
