import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  businessCustomerSchema,
  cartSchema,
  inventorySchema,
  marketSchema,
  orderSchema,
  privateCustomerSchema,
  productSchema,
  storeSchema,
} from './schemas.ts';
import { type SeedData, generateSeed } from './seed.ts';

const SCHEMAS: Record<keyof SeedData, z.ZodType> = {
  markets: marketSchema,
  stores: storeSchema,
  products: productSchema,
  inventory: inventorySchema,
  orders: orderSchema,
  privateCustomers: privateCustomerSchema,
  businessCustomers: businessCustomerSchema,
  carts: cartSchema,
};

// The domain loads the generator's records without validating them one by one (Table.load's
// `trusted`): this is where they are validated, for several seeds and scales.
describe('generateSeed', () => {
  for (const [seed, scale] of [[1, 200], [7, 12], [42, 1_000]] as const) {
    it(`makes only records that its schemas return unchanged, field order included (seed ${seed}, ${scale} orders)`, () => {
      const data = generateSeed({ seed, scale, now: Date.UTC(2026, 0, 15, 12) });
      for (const [name, schema] of Object.entries(SCHEMAS) as [keyof SeedData, z.ZodType][]) {
        expect(data[name].length, name).toBeGreaterThan(0);
        for (const record of data[name]) expect(JSON.stringify(schema.parse(record)), name).toBe(JSON.stringify(record));
      }
    });
  }
});
