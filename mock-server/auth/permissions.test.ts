import { describe, expect, it } from 'vitest';
import { GoliveError } from '../../errors.ts';
import { definePermissions } from './permissions.ts';

const spec = (includes: Record<string, string[]>) => ({ noun: 'role', platform: 'Shop', all: ['Read', 'Write', 'Admin'], owner: ['Admin'], includes: (n: string) => includes[n] ?? [] });

describe('definePermissions', () => {
  it('expands inheritance through several steps', () => {
    const p = definePermissions(spec({ Admin: ['Write'], Write: ['Read'] }));
    expect([...p.expand('Admin')].sort()).toEqual(['Admin', 'Read', 'Write']);
    expect(p.grants(['Admin'], 'Read')).toBe(true);
    expect(p.minimal(['Read', 'Admin'])).toEqual(['Admin']);
  });

  it('rejects an inheritance that goes round in a circle, naming the role (case 37)', () => {
    const circle = () => definePermissions(spec({ Admin: ['Write'], Write: ['Read'], Read: ['Admin'] }));
    expect(circle).toThrow(GoliveError);
    expect(circle).toThrow(/Shop role Read includes itself \(through Write\)/);
    expect(() => definePermissions(spec({ Read: ['Read'] }))).toThrow(/Shop role Read includes itself: /);
  });

  it('rejects an include of a role the profile does not have', () => {
    expect(() => definePermissions(spec({ Admin: ['Owner'] }))).toThrow(/Shop role Admin includes Owner, which is not one of its roles/);
  });
});
