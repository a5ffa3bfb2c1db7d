/**
 * The simulated tenant's data: one indexed `@msw/data` collection per entity, seeded
 * reproducibly. Imports no HTTP library; resolvers in `handlers/` read and write it.
 */
import { generateSeed, FIRST_ORDER_NUMBER, type SeedData } from './seed.ts';
import { createScrolls, type Scrolls } from './scroll.ts';
import { createTable, type Table } from '../../../domain/table.ts';
import {
  businessCustomerSchema,
  cartSchema,
  inventorySchema,
  marketSchema,
  orderSchema,
  privateCustomerSchema,
  productSchema,
  storeSchema,
  type BusinessCustomer,
  type Cart,
  type InventoryItem,
  type Market,
  type Order,
  type PrivateCustomer,
  type Product,
  type Store,
} from './schemas.ts';

export * from './schemas.ts';
export type { Table } from '../../../domain/table.ts';
export type { Scrolls, ScrollPage } from './scroll.ts';

export interface DomainOptions {
  /** Faker seed (default 1): the same seed gives the same data. */
  seed?: number;
  /** Number of orders (default 200; at least 12, so every named store, status and type has one). */
  scale?: number;
  /** Clock in epoch milliseconds (default `Date.now`); seeded dates end at its value at creation. */
  now?: () => number;
  /** Seeds other domains of the same mock generated (`DataOptions.generated`): copied, not generated again. */
  generated?: Map<string, unknown>;
}

/** Tenant settings that change API behaviour (omnium-api.md A3). */
export interface DomainSettings {
  /** `CustomerSettings.RequireStoreIdsForAccess`: customers are store-scoped only when set. */
  requireStoreIdsForAccess: boolean;
}

/** Key of an inventory item: one SKU in one warehouse. */
export function inventoryKey(sku: string, warehouseCode: string): string {
  return `${sku}\u0000${warehouseCode}`;
}

/** Every record of every collection as plain JSON, keyed by id and sorted: equal data, equal digest. */
export interface DomainSnapshot {
  markets: Record<string, Market>;
  stores: Record<string, Store>;
  products: Record<string, Product>;
  /** Keyed `sku@warehouseCode`. */
  inventory: Record<string, InventoryItem>;
  orders: Record<string, Order>;
  privateCustomers: Record<string, PrivateCustomer>;
  businessCustomers: Record<string, BusinessCustomer>;
  carts: Record<string, Cart>;
}

export interface Domain {
  readonly seed: number;
  /** Number of seeded orders. */
  readonly scale: number;
  readonly settings: DomainSettings;
  /** By `marketId` (lower case: `nor`, `swe`, `dnk`, `fin`). */
  readonly markets: Table<Market>;
  /** By store `id`; warehouses are stores with `isWarehouse`. */
  readonly stores: Table<Store>;
  /** By `productId` or by the `skuId` of any of its variants. */
  readonly products: Table<Product>;
  /** By `inventoryKey(sku, warehouseCode)`; `group(sku)` gives a SKU's stock in every warehouse. */
  readonly inventory: Table<InventoryItem>;
  readonly orders: Table<Order>;
  /** By `customerId`. */
  readonly privateCustomers: Table<PrivateCustomer>;
  /** By `customerId`. */
  readonly businessCustomers: Table<BusinessCustomer>;
  /** By cart `id`. */
  readonly carts: Table<Cart>;
  /** Open scroll searches (`POST …/Scroll`, `GET …/Scroll/{id}`). */
  readonly scrolls: Scrolls;
  /** The domain's clock, epoch milliseconds. */
  now(): number;
  /** The next free auto-generated order number (`PUT /api/Orders`). */
  nextOrderNumber(): string;
  /** The next free cart id. */
  nextCartId(): string;
  /** Recomputes `availableInventory`/`isInStock` of the products holding these SKUs from the inventory. */
  recountStock(skus: Iterable<string>): Promise<void>;
  /** Back to the seeded state (same seed, scale and seed time); open scrolls are dropped. */
  reset(): Promise<void>;
  snapshot(): DomainSnapshot;
}

/** Every record of `data`, copied shallowly (the copies hold the same nested values). */
function copySeed(data: SeedData): SeedData {
  const copy = <T extends object>(records: readonly T[]): T[] => records.map((r) => ({ ...r }));
  return {
    markets: copy(data.markets),
    stores: copy(data.stores),
    products: copy(data.products),
    inventory: copy(data.inventory),
    privateCustomers: copy(data.privateCustomers),
    businessCustomers: copy(data.businessCustomers),
    orders: copy(data.orders),
    carts: copy(data.carts),
  };
}

/**
 * Creates and seeds the domain.
 *
 * @example const db = await createDomain({ seed: 1, scale: 50, now: () => Date.UTC(2026, 0, 1) })
 */
export async function createDomain(options: DomainOptions = {}): Promise<Domain> {
  const seed = options.seed ?? 1;
  const now = options.now ?? Date.now;
  const seededAt = now();
  const settings: DomainSettings = { requireStoreIdsForAccess: false };

  const markets = createTable<Market>({ schema: marketSchema, key: (m) => m.marketId });
  const stores = createTable<Store>({ schema: storeSchema, key: (s) => s.id });
  const products = createTable<Product>({
    schema: productSchema,
    key: (p) => p.productId,
    aliases: (p) => [...(p.skuId ? [p.skuId] : []), ...p.variants.map((v) => v.skuId)],
  });
  const inventory = createTable<InventoryItem>({
    schema: inventorySchema,
    key: (i) => inventoryKey(i.sku, i.warehouseCode),
    groupBy: (i) => i.sku,
  });
  const orders = createTable<Order>({ schema: orderSchema, key: (o) => o.id });
  const privateCustomers = createTable<PrivateCustomer>({ schema: privateCustomerSchema, key: (c) => c.customerId });
  const businessCustomers = createTable<BusinessCustomer>({ schema: businessCustomerSchema, key: (c) => c.customerId });
  const carts = createTable<Cart>({ schema: cartSchema, key: (c) => c.id });
  const scrolls = createScrolls(now);

  let orderCounter = 0;
  let cartCounter = 0;

  async function load(data: SeedData): Promise<void> {
    // The generator's records are what the schemas would return (seed.test.ts checks it), so not validated one by one.
    const trusted = { trusted: true };
    await Promise.all([
      markets.load(data.markets, trusted),
      stores.load(data.stores, trusted),
      products.load(data.products, trusted),
      inventory.load(data.inventory, trusted),
      orders.load(data.orders, trusted),
      privateCustomers.load(data.privateCustomers, trusted),
      businessCustomers.load(data.businessCustomers, trusted),
      carts.load(data.carts, trusted),
    ]);
    orderCounter = FIRST_ORDER_NUMBER + data.orders.length;
    cartCounter = data.carts.length + 1;
    scrolls.clear();
  }

  const seedData = () => generateSeed({ seed, scale: options.scale ?? 200, now: seededAt });
  await load(firstSeed());

  /**
   * The seed, or a copy of the one another domain of the mock generated with this seed and
   * scale (its dates end at that domain's creation, moments earlier). A trusted load keeps the
   * records it is given, so each domain gets records of its own; what they hold is shared, and
   * never changed in place (an update makes a new record).
   */
  function firstSeed(): SeedData {
    const key = `omnium:${seed}:${options.scale ?? 200}`;
    const made = options.generated?.get(key) as SeedData | undefined;
    if (made) return copySeed(made);
    const data = seedData();
    options.generated?.set(key, data);
    return data;
  }

  return {
    seed,
    scale: orders.count(),
    settings,
    markets,
    stores,
    products,
    inventory,
    orders,
    privateCustomers,
    businessCustomers,
    carts,
    scrolls,
    now,
    nextOrderNumber() {
      let id = `ORD-${orderCounter++}`;
      while (orders.has(id)) id = `ORD-${orderCounter++}`;
      return id;
    },
    nextCartId() {
      let id = `cart-${String(cartCounter++).padStart(4, '0')}`;
      while (carts.has(id)) id = `cart-${String(cartCounter++).padStart(4, '0')}`;
      return id;
    },
    async recountStock(skus) {
      const productIds = new Set<string>();
      for (const sku of skus) {
        const product = products.get(sku);
        if (product) productIds.add(product.productId);
      }
      for (const productId of productIds) {
        const product = products.get(productId) as Product;
        const stock = (sku: string) =>
          inventory.group(sku).reduce((sum, i) => sum + Math.max(0, i.inventory - i.reservedInventory), 0);
        const counts = product.variants.map((v) => stock(v.skuId));
        const total = counts.reduce((a, b) => a + b, 0);
        if (total === product.availableInventory && product.variants.every((v, n) => v.availableInventory === counts[n])) continue;
        await products.update(productId, (draft) => {
          draft.variants.forEach((v, n) => {
            v.availableInventory = counts[n] ?? 0;
            v.isInStock = v.availableInventory > 0;
          });
          draft.availableInventory = total;
          draft.isInStock = total > 0;
        });
      }
    },
    async reset() {
      settings.requireStoreIdsForAccess = false;
      await load(seedData());
    },
    snapshot() {
      return {
        markets: digest(markets.all(), (m) => m.marketId),
        stores: digest(stores.all(), (s) => s.id),
        products: digest(products.all(), (p) => p.productId),
        inventory: digest(inventory.all(), (i) => `${i.sku}@${i.warehouseCode}`),
        orders: digest(orders.all(), (o) => o.id),
        privateCustomers: digest(privateCustomers.all(), (c) => c.customerId),
        businessCustomers: digest(businessCustomers.all(), (c) => c.customerId),
        carts: digest(carts.all(), (c) => c.id),
      };
    },
  };
}

function digest<T>(records: readonly T[], key: (r: T) => string): Record<string, T> {
  const entries = records.map((r) => [key(r), r] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // A JSON round trip: a deep, plain copy that later writes cannot change.
  return JSON.parse(JSON.stringify(Object.fromEntries(entries))) as Record<string, T>;
}
