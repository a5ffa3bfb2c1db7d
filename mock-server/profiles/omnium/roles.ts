/**
 * Omnium's API roles and how they include one another (omnium-api.md A3).
 * `ApiOwner` includes every role, `CommerceUser` includes `ApiUser`, `CartAdmin`,
 * `ProductRead` and `CustomerAdmin`, and every `XAdmin` includes its `XRead`.
 */
import { type Permissions, definePermissions } from '../../auth/permissions.ts';

const RESOURCES = [
  'Order',
  'Product',
  'Customer',
  'Cart',
  'Inventory',
  'Promotion',
  'Store',
  'Project',
  'Supplier',
  'PurchaseOrder',
  'Settings',
  'User',
] as const;

type Resource = (typeof RESOURCES)[number];
export type ResourceRole = `${Resource}Read` | `${Resource}Admin`;
export type Role = 'ApiOwner' | 'CommerceUser' | 'ApiUser' | 'PosWriter' | ResourceRole;

/** Every role the mock knows, in a stable order (levels first, then Read/Admin pairs). */
export const ROLES: readonly Role[] = [
  'ApiOwner',
  'CommerceUser',
  'ApiUser',
  'PosWriter',
  ...RESOURCES.flatMap((r) => [`${r}Read`, `${r}Admin`] as const),
];

/** Omnium's roles as the engine's permission vocabulary. */
export const OMNIUM_ROLES: Permissions = definePermissions({
  noun: 'role',
  platform: 'Omnium',
  all: ROLES,
  owner: ['ApiOwner'],
  // Every API user can call what ApiUser grants; assigning it is never excess.
  baseline: ['ApiUser'],
  includes: (role) => directlyIncluded(role as Role),
});

/** Whether `name` is one of the roles the mock knows. */
export function isRole(name: string): name is Role {
  return OMNIUM_ROLES.has(name);
}

/** The roles a role directly includes (one step of the inheritance). */
function directlyIncluded(role: Role): Role[] {
  if (role === 'ApiOwner') return ROLES.filter((r) => r !== 'ApiOwner');
  if (role === 'CommerceUser') return ['ApiUser', 'CartAdmin', 'ProductRead', 'CustomerAdmin'];
  if (role.endsWith('Admin')) return [`${role.slice(0, -'Admin'.length)}Read` as Role];
  return [];
}

/** Every role `role` grants, itself included. */
export const expandRole = (role: Role): ReadonlySet<Role> => OMNIUM_ROLES.expand(role) as ReadonlySet<Role>;

/** The full set of roles granted by an assignment, inheritance applied. */
export const effectiveRoles = (assigned: readonly Role[]): Set<Role> => OMNIUM_ROLES.effective(assigned) as Set<Role>;

/** Whether an assignment grants `required` (a `null` requirement is open to any valid token). */
export const grants = (assigned: readonly Role[], required: Role | null): boolean => OMNIUM_ROLES.grants(assigned, required);

/**
 * The smallest set of roles that grants every one of `required`: drop each role
 * another needed role already includes.
 *
 * @example minimalRoles(['OrderRead', 'OrderAdmin', 'InventoryAdmin']) // ['InventoryAdmin', 'OrderAdmin']
 */
export const minimalRoles = (required: Iterable<Role>): Role[] => OMNIUM_ROLES.minimal(required) as Role[];
