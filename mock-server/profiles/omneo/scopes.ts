/**
 * Omneo's permissions are OAuth scopes (omnium-api.md B2, the SDK's `APIScopes`):
 * `{verb}-{resource}` plus a few specials, flat, with `*` granting every one of them.
 * `id-profile` is golive's name for what a customer's ID token may do (its own profile,
 * on `/id/api/v1`): no server token holds it, not even with `*`.
 */
import { definePermissions } from '../../auth/permissions.ts';

const crud = (resource: string, verbs = ['create', 'read', 'update', 'delete']): string[] => verbs.map((v) => `${v}-${resource}`);

/** Every scope of the SDK's list, in its order. */
export const OMNEO_API_SCOPES: readonly string[] = [
  'read-audits',
  'read-identities',
  ...crud('achievement-definitions'),
  ...crud('benefits', ['read', 'create', 'delete']),
  ...crud('benefit-definitions'),
  ...crud('currencies'),
  'read-ledgers',
  ...crud('locations'),
  'read-permissions',
  'read-points',
  ...crud('point-definitions'),
  ...crud('products'),
  ...crud('custom-products'),
  ...crud('product-lists'),
  ...crud('product-options'),
  ...crud('profiles'),
  'redeem-strategy',
  'redeem-benefits',
  'read-redemptions',
  'return',
  ...crud('rewards', ['read', 'create', 'update', 'delete']),
  ...crud('ratings', ['read', 'create', 'update', 'delete']),
  ...crud('reward-definitions'),
  'read-roles',
  'read-settings',
  'update-settings',
  ...crud('statuses', ['create', 'read', 'view', 'update', 'delete']),
  ...crud('systems', ['create', 'read', 'delete']),
  ...crud('tags', ['create', 'read', 'delete']),
  ...crud('tenants'),
  ...crud('tier-definitions'),
  ...crud('tier-points'),
  ...crud('points', ['create', 'update', 'delete']),
  ...crud('transactions'),
  ...crud('users'),
  ...crud('interactions'),
  ...crud('imports', ['read', 'delete', 'create']),
  ...crud('webhooks'),
  ...crud('targets'),
  'read-action-history',
  ...crud('transaction-claims', ['create', 'read']),
  ...crud('allocations', ['create', 'read']),
  ...crud('list-definitions'),
  ...crud('product-list-reservations', ['read', 'update']),
  ...crud('rate'),
  ...crud('region'),
  ...crud('orders', ['create', 'update', 'read', 'delete']),
  ...crud('connection-definitions', ['create', 'update', 'delete', 'read']),
  ...crud('connections', ['create', 'update', 'delete', 'read']),
  ...crud('reactions'),
];

/** What a customer's ID token grants: that customer's own profile on the ID API. */
export const ID_PROFILE = 'id-profile';

/** Every scope a server token may hold. */
export const ALL_SCOPES = '*';

export const OMNEO_SCOPES = definePermissions({
  noun: 'scope',
  platform: 'Omneo',
  all: [ALL_SCOPES, ...OMNEO_API_SCOPES, ID_PROFILE],
  owner: [ALL_SCOPES],
  includes: (name) => (name === ALL_SCOPES ? OMNEO_API_SCOPES : []),
});
