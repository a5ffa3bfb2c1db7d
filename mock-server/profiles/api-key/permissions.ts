/** The fulfilment service's key permissions: `orders:write` includes `orders:read`. */
import { definePermissions } from '../../auth/permissions.ts';

export const ORDERS_READ = 'orders:read';
export const ORDERS_WRITE = 'orders:write';

export const API_KEY_PERMISSIONS = definePermissions({
  noun: 'permission',
  platform: 'Fulfilment service',
  all: [ORDERS_READ, ORDERS_WRITE],
  owner: [ORDERS_WRITE],
  includes: (name) => (name === ORDERS_WRITE ? [ORDERS_READ] : []),
});
