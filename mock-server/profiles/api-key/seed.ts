/**
 * The seeded fulfilment service: orders a shop pushed earlier, in every status, so a status can
 * be read back at once. The only file of the profile that imports faker. Same seed and `now` →
 * the same orders, field for field.
 */
import { faker as en_GB } from '@faker-js/faker/locale/en_GB';
import { fakerLike } from '../../domain/faker.ts';
import { type FulfilmentOrder, ORDER_STATUSES } from './domain.ts';

/** Orders seeded when no scale is given. */
export const DEFAULT_ORDERS = 20;

const CARRIERS = ['Royal Mail', 'DPD', 'Evri', 'UPS'] as const;

export function seedOrders(options: { seed: number; scale: number; now: number }): FulfilmentOrder[] {
  const faker = fakerLike(en_GB);
  faker.seed(options.seed);
  return Array.from({ length: Math.max(1, options.scale) }, (_, i) => {
    const status = ORDER_STATUSES[i % ORDER_STATUSES.length]!;
    const created = options.now - faker.number.int({ min: 1, max: 30 * 86_400 }) * 1000;
    const shipped = status === 'shipped' || status === 'delivered';
    return {
      id: `ful_${String(i + 1).padStart(6, '0')}`,
      reference: String(1000 + i),
      status,
      items: Array.from({ length: faker.number.int({ min: 1, max: 3 }) }, () => ({ sku: faker.string.alphanumeric({ length: 8, casing: 'upper' }), quantity: faker.number.int({ min: 1, max: 4 }) })),
      shipTo: {
        name: faker.person.fullName(),
        line1: faker.location.streetAddress(),
        postcode: faker.location.zipCode(),
        city: faker.location.city(),
        country: 'GB',
      },
      carrier: shipped ? faker.helpers.arrayElement(CARRIERS) : null,
      trackingNumber: shipped ? faker.string.alphanumeric({ length: 12, casing: 'upper' }) : null,
      createdAt: new Date(created).toISOString(),
      updatedAt: new Date(created + 3_600_000).toISOString(),
    };
  });
}
