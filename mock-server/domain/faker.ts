/**
 * Fakers of one locale each without `@faker-js/faker`'s root, which imports every one of its
 * 70 locales (about 140 ms of CPU at start, most of it locales no profile uses). A locale's
 * own module (`@faker-js/faker/locale/da`) loads that locale alone, but it exports only one
 * shared instance (`[da, en, base]`); a seed generator needs its own, seeded apart.
 */
import type { Faker } from '@faker-js/faker';

type FakerClass = new (options: { locale: Faker['rawDefinitions'] }) => Faker;

/**
 * A new faker with the definitions of `shared` (a locale module's instance), seeded apart from
 * it: the same data, seed for seed, as `new Faker({ locale: [da, en, base] })`.
 *
 * @example
 * import { faker as da } from '@faker-js/faker/locale/da';
 * const f = fakerLike(da);
 * f.seed(7);
 */
export function fakerLike(shared: Faker): Faker {
  // The locale modules do not export the class; each instance carries it.
  const FakerOf = shared.constructor as FakerClass;
  return new FakerOf({ locale: shared.rawDefinitions });
}
