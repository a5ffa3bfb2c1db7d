/**
 * Omnium's API roles and how they include one another (omnium-api.md A3).
 * `ApiOwner` includes every role, `CommerceUser` includes `ApiUser`, `CartAdmin`,
 * `ProductRead` and `CustomerAdmin`, and every `XAdmin` includes its `XRead`.
 */

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

const ROLE_SET = new Set<string>(ROLES);

/** Whether `name` is one of the roles the mock knows. */
export function isRole(name: string): name is Role {
  return ROLE_SET.has(name);
}

/** The roles a role directly includes (one step of the inheritance). */
function directlyIncluded(role: Role): Role[] {
  if (role === 'ApiOwner') return ROLES.filter((r) => r !== 'ApiOwner');
  if (role === 'CommerceUser') return ['ApiUser', 'CartAdmin', 'ProductRead', 'CustomerAdmin'];
  if (role.endsWith('Admin')) return [`${role.slice(0, -'Admin'.length)}Read` as Role];
  return [];
}

const closure = new Map<Role, ReadonlySet<Role>>(
  ROLES.map((role) => {
    const seen = new Set<Role>([role]);
    const queue = [role];
    for (let next = queue.pop(); next; next = queue.pop()) {
      for (const inc of directlyIncluded(next)) {
        if (!seen.has(inc)) {
          seen.add(inc);
          queue.push(inc);
        }
      }
    }
    return [role, seen];
  }),
);

/** Every role `role` grants, itself included. */
export function expandRole(role: Role): ReadonlySet<Role> {
  return closure.get(role) ?? new Set([role]);
}

/** The full set of roles granted by an assignment, inheritance applied. */
export function effectiveRoles(assigned: readonly Role[]): Set<Role> {
  const out = new Set<Role>();
  for (const role of assigned) for (const r of expandRole(role)) out.add(r);
  return out;
}

/** Whether an assignment grants `required` (a `null` requirement is open to any valid token). */
export function grants(assigned: readonly Role[], required: Role | null): boolean {
  if (required === null) return true;
  // A plain loop: this runs on every request, and `some` would allocate a closure each time.
  for (const role of assigned) if (expandRole(role).has(required)) return true;
  return false;
}

/**
 * The smallest set of roles that grants every one of `required`: drop each role
 * another needed role already includes.
 *
 * @example minimalRoles(['OrderRead', 'OrderAdmin', 'InventoryAdmin']) // ['InventoryAdmin', 'OrderAdmin']
 */
export function minimalRoles(required: Iterable<Role>): Role[] {
  const needed = [...new Set(required)];
  return needed
    .filter((role) => !needed.some((other) => other !== role && expandRole(other).has(role)))
    .sort();
}
