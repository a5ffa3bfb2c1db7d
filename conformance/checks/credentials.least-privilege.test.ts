import { describe, expect, it } from 'vitest';
import { endpointInfo, getProfile } from '../../mock-server/index.ts';
import check from './credentials.least-privilege.ts';
import { ENDPOINTS, PRODUCTION_CLIENT, journal, observations } from './test/journal.ts';
import { SCOPED, scopedObservations, scopedTokenRequest } from './test/scopes.ts';
import { timedOut, webhookRun } from './test/webhooks.ts';

/** An ERP order sync: reads orders and writes stock levels. */
function orderSync() {
  const j = journal();
  const token = j.tokenRequest({ at: 1 });
  j.apiCalls(5, { from: 2, every: 1, token, endpoint: ENDPOINTS.getOrder });
  j.apiCalls(2, { from: 2.5, every: 2, token, endpoint: ENDPOINTS.updateInventory });
  return j;
}

/** A reporting job: reads orders only. */
function orderReader() {
  const j = journal();
  const token = j.tokenRequest({ at: 1 });
  j.apiCalls(5, { from: 2, every: 1, token, endpoint: ENDPOINTS.getOrder });
  j.apiCall({ at: 8, token, endpoint: ENDPOINTS.searchOrders });
  return j;
}

describe('credentials.least-privilege', () => {
  it('passes when exactly the minimal set is assigned, and shows what each call required', () => {
    const finding = check.judge(observations({ journal: orderSync().entries, apiUser: { roles: ['InventoryAdmin', 'OrderRead'] } }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('The assigned roles (InventoryAdmin, OrderRead) grant nothing beyond what the calls made require.');
    expect(finding.evidence).toEqual([
      { kind: 'note', text: 'assigned: InventoryAdmin, OrderRead' },
      { kind: 'note', text: 'minimal role set for the calls made: InventoryAdmin, OrderRead' },
      { kind: 'note', text: 'GET /api/Orders/{orderId} (×5) requires OrderRead' },
      { kind: 'note', text: 'PUT /api/Inventory/UpdateMany (×2) requires InventoryAdmin' },
    ]);
  });

  it('fails when OrderAdmin is assigned where only OrderRead is needed, and names OrderRead', () => {
    const finding = check.judge(observations({ journal: orderReader().entries, apiUser: { roles: ['OrderAdmin'] } }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('OrderAdmin grant(s) more than the calls need; assign exactly: OrderRead.');
  });

  it('fails ApiOwner and names the minimal set to assign instead', () => {
    const finding = check.judge(observations({ journal: orderSync().entries, apiUser: { roles: ['ApiOwner'] } }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('ApiOwner (all roles) grant(s) more than the calls need; assign exactly: InventoryAdmin, OrderRead.');
  });

  it('names only the roles that grant too much', () => {
    const finding = check.judge(observations({ journal: orderSync().entries, apiUser: { roles: ['OrderRead', 'InventoryAdmin', 'ProductAdmin'] } }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toMatch(/^ProductAdmin grant/);
  });

  it('tolerates ApiUser, the base level every API user has', () => {
    const finding = check.judge(observations({ journal: orderReader().entries, apiUser: { roles: ['ApiUser', 'OrderRead'] } }));

    expect(finding.verdict).toBe('pass');
  });

  it('passes OrderAdmin when the integration writes orders as well as reading them', () => {
    const j = orderReader();
    j.apiCall({ at: 9, token: j.entries[0]!, endpoint: ENDPOINTS.addOrder, status: 201 });

    const finding = check.judge(observations({ journal: j.entries, apiUser: { roles: ['OrderAdmin'] } }));

    expect(finding.verdict).toBe('pass');
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'minimal role set for the calls made: OrderAdmin' });
  });

  it('fails CommerceUser for a storefront that needs only its three explicit roles', () => {
    const j = journal();
    const token = j.tokenRequest({ at: 1 });
    j.apiCall({ at: 2, token, endpoint: ENDPOINTS.addItemToCart });
    j.apiCall({ at: 3, token, endpoint: ENDPOINTS.getProduct });
    j.apiCall({ at: 4, token, endpoint: ENDPOINTS.addCustomer });

    const finding = check.judge(observations({ journal: j.entries, apiUser: { roles: ['CommerceUser'] } }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('CommerceUser grant(s) more than the calls need; assign exactly: CartAdmin, CustomerAdmin, ProductRead.');
  });

  it('counts an endpoint the integration was refused (403) as one it needs', () => {
    const j = orderReader();
    j.apiCall({ at: 9, token: j.entries[0]!, endpoint: ENDPOINTS.addOrder, status: 403, denied: 'missing role OrderAdmin' });

    const finding = check.judge(observations({ journal: j.entries, apiUser: { roles: ['OrderAdmin'] } }));

    expect(finding.verdict).toBe('pass');
  });

  it('judges only the calls of the test run', () => {
    const j = orderReader();
    const prod = j.tokenRequest({ at: 2, environment: 'production', client: PRODUCTION_CLIENT });
    j.apiCall({ at: 3, token: prod, endpoint: ENDPOINTS.addOrder });

    const finding = check.judge(observations({ journal: j.entries, apiUser: { roles: ['OrderAdmin'] } }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toContain('assign exactly: OrderRead');
  });

  it('reads the required roles from the mock\'s own endpoint table', () => {
    const finding = check.judge(observations({ journal: orderSync().entries, endpoints: endpointInfo(getProfile('omnium')), apiUser: { roles: ['OrderAdmin', 'InventoryAdmin'] } }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe('OrderAdmin grant(s) more than the calls need; assign exactly: InventoryAdmin, OrderRead.');
  });

  it('does not call a role unneeded when the webhook work that would use it was never observed', () => {
    // The endpoint never accepted a delivery (it timed out): the stock writes it would make never came.
    const webhook = webhookRun({ first: timedOut(10_000), firstChanges: [] });

    const finding = check.judge(observations({ journal: orderReader().entries, apiUser: { roles: ['OrderRead', 'InventoryAdmin'] }, webhook }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe(
      "InventoryAdmin went unused, but the integration's webhook work was not observed (no delivery of the order event was accepted by the endpoint), and it may need them; the calls made need only OrderRead.",
    );
  });

  it('still fails an unused role when the endpoint did its work before answering, and answered late because golive slowed that work', () => {
    // The delivery timed out only because the calls it made first were slowed (a slow downstream): the work was seen.
    const webhook = { ...webhookRun({ first: timedOut(10_000) }), slowDownstream: { ms: 10_000, seqs: [3] } };

    const finding = check.judge(observations({ journal: orderReader().entries, apiUser: { roles: ['OrderRead', 'InventoryAdmin'] }, webhook }));

    expect(finding.verdict).toBe('fail');
  });

  it('still fails an unused role when the webhook work was observed', () => {
    const finding = check.judge(observations({ journal: orderReader().entries, apiUser: { roles: ['OrderRead', 'InventoryAdmin'] }, webhook: webhookRun() }));

    expect(finding.verdict).toBe('fail');
  });

  it('is inconclusive when the integration called no API endpoint', () => {
    const j = journal();
    j.tokenRequest({ at: 1 });
    j.entry({ at: 2 });

    const finding = check.judge(observations({ journal: j.entries, apiUser: { roles: ['ApiOwner'] } }));

    expect(finding.verdict).toBe('inconclusive');
    expect(finding.summary).toBe('The integration called no API endpoint, so the roles it needs are unknown.');
  });
});

/** A loyalty sync on a platform of OAuth scopes: lists profiles and updates them, with a token that asked for `scope`. */
function profileSync(token: { scope?: string; withColon?: ('username' | 'password' | 'scope')[] }, refused = false) {
  const j = journal();
  const t = scopedTokenRequest(j, { at: 1, ...token });
  const denied = (scope: string) => (refused ? { status: 403, denied: `missing scope ${scope}` } : {});
  j.apiCalls(4, { from: 2, every: 1, token: t, endpoint: SCOPED.listProfiles, ...denied('read-profiles') });
  j.apiCall({ at: 7, token: t, endpoint: SCOPED.updateProfile, body: '{"first_name":"Ada"}', ...denied('update-profiles') });
  return { j, token: t };
}

const COLON_MISTAKE =
  'The token request sent the field `scope:` (with a colon, as in an example written `scope: …`), which the token endpoint does not take, so the token was issued without the scopes the calls needed and 5 of 5 call(s) made with it were refused with 403: send `scope` (no colon) with the scopes the integration needs (read-profiles, update-profiles).';

describe('credentials.least-privilege with OAuth scopes', () => {
  it('passes the exact scopes, names the minimal scope set, and what the token asked for', () => {
    const { j } = profileSync({ scope: 'read-profiles update-profiles' });

    const finding = check.judge(scopedObservations({ journal: j.entries, apiUser: { roles: ['read-profiles', 'update-profiles'] } }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe('The assigned scopes (read-profiles, update-profiles) grant nothing beyond what the calls made require.');
    expect(finding.evidence).toEqual([
      { kind: 'note', text: 'assigned: read-profiles, update-profiles' },
      { kind: 'note', text: 'minimal scope set for the calls made: read-profiles, update-profiles' },
      { kind: 'note', text: 'token request(s) asked for: read-profiles, update-profiles (×1)' },
      { kind: 'note', text: 'GET /api/v3/profiles (×4) requires read-profiles' },
      { kind: 'note', text: 'PUT /api/v3/profiles/{id} (×1) requires update-profiles' },
    ]);
  });

  it('still passes a token that asks for * when the API user holds exactly what the calls need, and says to ask for exactly that', () => {
    const { j } = profileSync({ scope: '*' });

    const finding = check.judge(scopedObservations({ journal: j.entries, apiUser: { roles: ['read-profiles', 'update-profiles'] } }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      'The assigned scopes (read-profiles, update-profiles) grant nothing beyond what the calls made require; but the token request asked for * (all scopes): ask for exactly read-profiles, update-profiles, so that a token never carries more than the calls need.',
    );
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'token request(s) asked for: * (all scopes) (×1)' });
  });

  it('says which scope a token asked for beyond the calls, among those it needs', () => {
    const { j } = profileSync({ scope: 'read-profiles update-profiles delete-profiles' });

    const finding = check.judge(scopedObservations({ journal: j.entries, apiUser: { roles: ['read-profiles', 'update-profiles'] } }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toContain('but the token request asked for delete-profiles: ask for exactly read-profiles, update-profiles');
  });

  it('fails * assigned, explains it as all scopes, and names the scopes to assign and to ask for', () => {
    const { j } = profileSync({ scope: '*' });

    const finding = check.judge(scopedObservations({ journal: j.entries, apiUser: { roles: ['*'] } }));

    expect(finding.verdict).toBe('fail');
    expect(finding.summary).toBe(
      '* (all scopes) grant(s) more than the calls need; assign exactly: read-profiles, update-profiles. The token request asked for * (all scopes) as well: ask for exactly the same.',
    );
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'assigned: * (all scopes)' });
    expect(finding.evidence).toContainEqual({ kind: 'note', text: 'minimal scope set for the calls made: read-profiles, update-profiles' });
  });

  it('says which calls were refused because the token did not ask for their scope', () => {
    const j = journal();
    const token = scopedTokenRequest(j, { at: 1, scope: 'read-profiles' });
    j.apiCalls(2, { from: 2, every: 1, token, endpoint: SCOPED.listProfiles });
    j.apiCall({ at: 4, token, endpoint: SCOPED.updateProfile, status: 403, denied: 'missing scope update-profiles' });

    const finding = check.judge(scopedObservations({ journal: j.entries, apiUser: { roles: ['read-profiles', 'update-profiles'] } }));

    expect(finding.verdict).toBe('pass');
    expect(finding.summary).toBe(
      'The assigned scopes (read-profiles, update-profiles) grant nothing beyond what the calls made require. 1 call(s) were refused with 403 because the token requests did not ask for update-profiles: ask for read-profiles, update-profiles.',
    );
  });

  describe('when the token request sent `scope:` with a colon', () => {
    it('passes the exact scopes, and explains why every call was refused', () => {
      const { j, token } = profileSync({ scope: 'read-profiles update-profiles', withColon: ['scope'] }, true);

      const finding = check.judge(scopedObservations({ journal: j.entries, apiUser: { roles: ['read-profiles', 'update-profiles'] } }));

      expect(finding.verdict).toBe('pass');
      expect(finding.summary).toBe(`The assigned scopes (read-profiles, update-profiles) grant nothing beyond what the calls made require. ${COLON_MISTAKE}`);
      expect(finding.evidence[0]).toMatchObject({ kind: 'request', seq: token.seq, note: 'sent "scope:", not taken by the endpoint' });
      expect(finding.evidence[1]).toMatchObject({ kind: 'request', status: 403, note: '403: missing scope read-profiles' });
    });

    it('does not call * unneeded when every call was refused, since the work after them was never seen', () => {
      const { j } = profileSync({ scope: '*', withColon: ['username', 'password', 'scope'] }, true);

      const finding = check.judge(scopedObservations({ journal: j.entries, apiUser: { roles: ['*'] } }));

      expect(finding.verdict).toBe('inconclusive');
      expect(finding.summary).toBe(
        '* (all scopes) went unused, but every one of the 5 API call(s) was refused with 403, so the work that would follow them was never seen, and it may need them; the calls made need only read-profiles, update-profiles. ' +
          'The token request sent the fields `username:`, `password:` and `scope:` (each with a colon, as in an example written `username: …`), which the token endpoint does not take, so the token was issued without the scopes the calls needed and 5 of 5 call(s) made with it were refused with 403: send `username`, `password` and `scope` (no colon) with the scopes the integration needs (read-profiles, update-profiles).',
      );
    });

    it('still fails * when some calls worked, and explains the refused ones', () => {
      const { j } = profileSync({ scope: '*', withColon: ['scope'] }, true);
      const fixed = scopedTokenRequest(j, { at: 10, scope: 'read-profiles' });
      j.apiCall({ at: 11, token: fixed, endpoint: SCOPED.listProfiles });

      const finding = check.judge(scopedObservations({ journal: j.entries, apiUser: { roles: ['*'] } }));

      expect(finding.verdict).toBe('fail');
      expect(finding.summary).toBe(`* (all scopes) grant(s) more than the calls need; assign exactly: read-profiles, update-profiles. ${COLON_MISTAKE}`);
    });

    it('notes the field when the calls were not refused for it', () => {
      const { j } = profileSync({ scope: 'read-profiles update-profiles', withColon: ['username'] });

      const finding = check.judge(scopedObservations({ journal: j.entries, apiUser: { roles: ['read-profiles', 'update-profiles'] } }));

      expect(finding.verdict).toBe('pass');
      expect(finding.summary).toBe('The assigned scopes (read-profiles, update-profiles) grant nothing beyond what the calls made require.');
      expect(finding.evidence[0]).toEqual({
        kind: 'note',
        text: 'The token request sent the field `username:` (with a colon, as in an example written `username: …`), which the token endpoint does not take: send `username` (no colon).',
      });
    });
  });
});
