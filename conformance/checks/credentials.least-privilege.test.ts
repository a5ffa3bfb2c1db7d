import { describe, expect, it } from 'vitest';
import { endpointInfo, getProfile } from '../../mock-server/index.ts';
import check from './credentials.least-privilege.ts';
import { ENDPOINTS, PRODUCTION_CLIENT, journal, observations } from './test/journal.ts';
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
    expect(finding.summary).toBe('ApiOwner grant(s) more than the calls need; assign exactly: InventoryAdmin, OrderRead.');
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
