import { describe, expect, it } from 'vitest';
import { ROLES, effectiveRoles, expandRole, grants, isRole, minimalRoles } from './roles.ts';

describe('roles', () => {
  it('knows every level and a Read and Admin role per resource', () => {
    expect(ROLES).toContain('ApiOwner');
    expect(ROLES).toContain('CommerceUser');
    expect(ROLES).toContain('ApiUser');
    for (const r of ['Order', 'Product', 'Customer', 'Cart', 'Inventory', 'Store', 'Settings']) {
      expect(ROLES).toContain(`${r}Read`);
      expect(ROLES).toContain(`${r}Admin`);
    }
    expect(isRole('OrderAdmin')).toBe(true);
    expect(isRole('OrderWriter')).toBe(false);
  });

  it('lets ApiOwner include every role', () => {
    expect([...expandRole('ApiOwner')].sort()).toEqual([...ROLES].sort());
  });

  it('lets CommerceUser include ApiUser, CartAdmin, ProductRead and CustomerAdmin (and their Reads)', () => {
    expect([...expandRole('CommerceUser')].sort()).toEqual(
      ['ApiUser', 'CartAdmin', 'CartRead', 'CommerceUser', 'CustomerAdmin', 'CustomerRead', 'ProductRead'].sort(),
    );
    expect(grants(['CommerceUser'], 'ProductAdmin')).toBe(false);
  });

  it('lets every Admin role include its Read role and nothing else', () => {
    expect([...expandRole('OrderAdmin')].sort()).toEqual(['OrderAdmin', 'OrderRead']);
    expect(grants(['OrderRead'], 'OrderAdmin')).toBe(false);
    expect(grants(['InventoryAdmin'], 'InventoryRead')).toBe(true);
  });

  it('opens endpoints with no required role to any assignment', () => {
    expect(grants([], null)).toBe(true);
  });

  it('computes the minimal role set with inheritance', () => {
    expect(minimalRoles(['OrderRead', 'OrderAdmin', 'InventoryRead'])).toEqual(['InventoryRead', 'OrderAdmin']);
    expect(minimalRoles(['CartAdmin', 'ProductRead', 'CartRead'])).toEqual(['CartAdmin', 'ProductRead']);
    expect(minimalRoles([])).toEqual([]);
  });

  it('expands an assignment to everything it grants', () => {
    expect([...effectiveRoles(['OrderAdmin', 'ProductRead'])].sort()).toEqual(['OrderAdmin', 'OrderRead', 'ProductRead']);
  });
});
