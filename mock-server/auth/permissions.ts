/**
 * A platform's permission vocabulary, as the engine uses it: roles with inheritance
 * (Omnium), OAuth scopes, or an API key's permissions are all a list of names where one
 * may include others. The pipeline asks `grants`; the least-privilege check asks
 * `minimal` and `effective`; the missing-role phase asks `expand`.
 */
import { GoliveError } from '../../errors.ts';
export interface Permissions {
  /** What the platform calls one ("role", "scope", "permission"), for messages. */
  readonly noun: string;
  /** The platform's name, for messages ("is not an Omnium role"). */
  readonly platform: string;
  /** Every name, in a stable order. */
  readonly all: readonly string[];
  /** What an all-powerful API user holds (the demo user, the config's default). */
  readonly owner: readonly string[];
  /** Granted to every API user whatever it is assigned: never counted as excess. */
  readonly baseline: readonly string[];
  has(name: string): boolean;
  /** Every name `name` grants, itself included. */
  expand(name: string): ReadonlySet<string>;
  /** Everything an assignment grants, inheritance applied. */
  effective(assigned: readonly string[]): Set<string>;
  /** Whether an assignment grants `required` (`null`: open to any authenticated caller). */
  grants(assigned: readonly string[], required: string | null): boolean;
  /** The smallest assignment that grants every one of `required`, sorted. */
  minimal(required: Iterable<string>): string[];
}

export interface PermissionSpec {
  noun: string;
  platform: string;
  all: readonly string[];
  owner: readonly string[];
  baseline?: readonly string[];
  /** The names one name directly includes (one step of the inheritance); none for flat scopes. */
  includes?: (name: string) => readonly string[];
}

/**
 * A vocabulary from its list and one step of inheritance; the closure is computed once.
 *
 * @example
 * const p = definePermissions({ noun: 'scope', platform: 'Shop', all: ['read', 'write'], owner: ['write'], includes: (n) => (n === 'write' ? ['read'] : []) });
 * p.grants(['write'], 'read'); // true
 */
const invalid = (message: string) => new GoliveError('GOLIVE_ERR_PROFILE_INVALID', message);

/** Throws GOLIVE_ERR_PROFILE_INVALID for an inheritance that goes round in a circle or names an unknown role. */
export function definePermissions(spec: PermissionSpec): Permissions {
  const known = new Set(spec.all);
  const closure = new Map<string, ReadonlySet<string>>();
  for (const name of spec.all) {
    const seen = new Set([name]);
    const queue = [name];
    for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
      for (const inc of spec.includes?.(next) ?? []) {
        if (!known.has(inc)) throw invalid(`${spec.platform} ${spec.noun} ${next} includes ${inc}, which is not one of its ${spec.noun}s`);
        if (inc === name) throw invalid(`${spec.platform} ${spec.noun} ${name} includes itself${next === name ? '' : ` (through ${next})`}: inheritance must not go round in a circle`);
        if (!seen.has(inc)) {
          seen.add(inc);
          queue.push(inc);
        }
      }
    }
    closure.set(name, seen);
  }
  const expand = (name: string): ReadonlySet<string> => closure.get(name) ?? new Set([name]);
  return {
    noun: spec.noun,
    platform: spec.platform,
    all: spec.all,
    owner: spec.owner,
    baseline: spec.baseline ?? [],
    has: (name) => known.has(name),
    expand,
    effective(assigned) {
      const out = new Set<string>();
      for (const name of assigned) for (const n of expand(name)) out.add(n);
      return out;
    },
    grants(assigned, required) {
      if (required === null) return true;
      // A plain loop: this runs on every request, and `some` would allocate a closure each time.
      for (const name of assigned) if (expand(name).has(required)) return true;
      return false;
    },
    minimal(required) {
      const needed = [...new Set(required)];
      return needed.filter((name) => !needed.some((other) => other !== name && expand(other).has(name))).sort();
    },
  };
}
