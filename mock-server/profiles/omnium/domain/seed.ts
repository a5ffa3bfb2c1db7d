/**
 * The seeded tenant: four Nordic markets, their stores and warehouses, products with
 * prices per market, stock per warehouse, customers, orders and carts. The only file that
 * imports faker. Same seed, scale and `now` → the same data, field for field.
 */
import type { Faker } from '@faker-js/faker';
import { faker as da } from '@faker-js/faker/locale/da';
import { faker as en } from '@faker-js/faker/locale/en';
import { faker as fi } from '@faker-js/faker/locale/fi';
import { faker as nb_NO } from '@faker-js/faker/locale/nb_NO';
import { faker as sv } from '@faker-js/faker/locale/sv';
import { fakerLike } from '../../../domain/faker.ts';
import type {
  Address,
  BusinessCustomer,
  Cart,
  InventoryItem,
  LineItem,
  Market,
  Order,
  Payment,
  PrivateCustomer,
  Product,
  Shipment,
  Store,
} from './schemas.ts';

export interface SeedOptions {
  seed: number;
  /** Number of orders (at least `MIN_ORDERS`). */
  scale: number;
  /** The seed's "now", in epoch milliseconds: every date is at or before it. */
  now: number;
}

export interface SeedData {
  markets: Market[];
  stores: Store[];
  products: Product[];
  inventory: InventoryItem[];
  privateCustomers: PrivateCustomer[];
  businessCustomers: BusinessCustomer[];
  orders: Order[];
  carts: Cart[];
}

/** Order numbers start here: the first seeded order is `ORD-100001`. */
export const FIRST_ORDER_NUMBER = 100001;

const DAY = 86_400_000;

type MarketId = 'nor' | 'swe' | 'dnk' | 'fin';

const MARKETS: readonly Market[] = [
  { marketId: 'nor', marketName: 'Norway', currency: 'NOK', countryCode: 'NO', languageCode: 'nb', isDefaultMarket: true, isActive: true, marketGroupId: 'nordic', defaultTaxRate: 25, isTaxExcluded: false },
  { marketId: 'swe', marketName: 'Sweden', currency: 'SEK', countryCode: 'SE', languageCode: 'sv', isDefaultMarket: false, isActive: true, marketGroupId: 'nordic', defaultTaxRate: 25, isTaxExcluded: false },
  { marketId: 'dnk', marketName: 'Denmark', currency: 'DKK', countryCode: 'DK', languageCode: 'da', isDefaultMarket: false, isActive: true, marketGroupId: 'nordic', defaultTaxRate: 25, isTaxExcluded: false },
  { marketId: 'fin', marketName: 'Finland', currency: 'EUR', countryCode: 'FI', languageCode: 'fi', isDefaultMarket: false, isActive: true, marketGroupId: 'nordic', defaultTaxRate: 25.5, isTaxExcluded: false },
];

/** Price of one unit in a market, from the product's base price in NOK. */
const PRICE_FACTOR: Record<MarketId, number> = { nor: 1, swe: 1, dnk: 0.65, fin: 0.09 };

interface StoreSpec {
  id: string;
  name: string;
  market: MarketId;
  kind: 'online' | 'physical' | 'warehouse';
  isWarehouse: boolean;
  line1: string;
  city: string;
  postalCode: string;
}

/** Fixed, whatever the seed: the stores scopes and scenarios name. */
const STORES: readonly StoreSpec[] = [
  { id: 'oslo-online', name: 'Oslo Online', market: 'nor', kind: 'online', isWarehouse: true, line1: 'Karl Johans gate 1', city: 'Oslo', postalCode: '0154' },
  { id: 'store-oslo-downtown', name: 'Oslo Downtown', market: 'nor', kind: 'physical', isWarehouse: true, line1: 'Storgata 12', city: 'Oslo', postalCode: '0155' },
  { id: 'store-bergen-mall', name: 'Bergen Mall', market: 'nor', kind: 'physical', isWarehouse: true, line1: 'Strandkaien 3', city: 'Bergen', postalCode: '5013' },
  { id: 'store-trondheim-solsiden', name: 'Trondheim Solsiden', market: 'nor', kind: 'physical', isWarehouse: true, line1: 'Beddingen 10', city: 'Trondheim', postalCode: '7042' },
  { id: 'store-oslo-popup', name: 'Oslo Pop-up', market: 'nor', kind: 'physical', isWarehouse: false, line1: 'Aker Brygge 5', city: 'Oslo', postalCode: '0250' },
  { id: 'warehouse-nor-central', name: 'Central Warehouse Norway', market: 'nor', kind: 'warehouse', isWarehouse: true, line1: 'Lagerveien 20', city: 'Vestby', postalCode: '1540' },
  { id: 'stockholm-online', name: 'Stockholm Online', market: 'swe', kind: 'online', isWarehouse: true, line1: 'Drottninggatan 50', city: 'Stockholm', postalCode: '111 21' },
  { id: 'store-stockholm-gallerian', name: 'Stockholm Gallerian', market: 'swe', kind: 'physical', isWarehouse: true, line1: 'Hamngatan 37', city: 'Stockholm', postalCode: '111 47' },
  { id: 'store-gothenburg-nordstan', name: 'Gothenburg Nordstan', market: 'swe', kind: 'physical', isWarehouse: true, line1: 'Nordstadstorget 6', city: 'Göteborg', postalCode: '411 05' },
  { id: 'warehouse-swe-central', name: 'Central Warehouse Sweden', market: 'swe', kind: 'warehouse', isWarehouse: true, line1: 'Logistikvägen 4', city: 'Jönköping', postalCode: '553 03' },
  { id: 'copenhagen-online', name: 'Copenhagen Online', market: 'dnk', kind: 'online', isWarehouse: true, line1: 'Vesterbrogade 8', city: 'København', postalCode: '1620' },
  { id: 'store-copenhagen-stroget', name: 'Copenhagen Strøget', market: 'dnk', kind: 'physical', isWarehouse: true, line1: 'Østergade 24', city: 'København', postalCode: '1100' },
  { id: 'helsinki-online', name: 'Helsinki Online', market: 'fin', kind: 'online', isWarehouse: true, line1: 'Mannerheimintie 14', city: 'Helsinki', postalCode: '00100' },
  { id: 'store-helsinki-kamppi', name: 'Helsinki Kamppi', market: 'fin', kind: 'physical', isWarehouse: true, line1: 'Urho Kekkosen katu 1', city: 'Helsinki', postalCode: '00100' },
];

const ONLINE_STORE: Record<MarketId, string> = {
  nor: 'oslo-online',
  swe: 'stockholm-online',
  dnk: 'copenhagen-online',
  fin: 'helsinki-online',
};

type OrderType = 'Online' | 'ClickAndCollect' | 'Pos';
type CustomerType = 'B2C' | 'B2B';

interface OrderPlan {
  store: string;
  type: OrderType;
  status: string;
  customerType: CustomerType;
}

/**
 * The first orders, fixed whatever the seed: every named store and market has orders,
 * and every status, order type and customer type occurs.
 */
const PLANNED_ORDERS: readonly OrderPlan[] = [
  { store: 'oslo-online', type: 'Online', status: 'New', customerType: 'B2C' },
  { store: 'store-oslo-downtown', type: 'ClickAndCollect', status: 'ReadyForPickup', customerType: 'B2C' },
  { store: 'store-bergen-mall', type: 'Pos', status: 'Completed', customerType: 'B2C' },
  { store: 'stockholm-online', type: 'Online', status: 'InTransit', customerType: 'B2C' },
  { store: 'oslo-online', type: 'Online', status: 'InProgress', customerType: 'B2B' },
  { store: 'store-bergen-mall', type: 'ClickAndCollect', status: 'InProgress', customerType: 'B2C' },
  { store: 'store-oslo-downtown', type: 'Pos', status: 'Completed', customerType: 'B2C' },
  { store: 'oslo-online', type: 'Online', status: 'PartiallyShipped', customerType: 'B2C' },
  { store: 'copenhagen-online', type: 'Online', status: 'OrderCanceled', customerType: 'B2C' },
  { store: 'helsinki-online', type: 'Online', status: 'Completed', customerType: 'B2B' },
  { store: 'store-gothenburg-nordstan', type: 'ClickAndCollect', status: 'New', customerType: 'B2C' },
  { store: 'stockholm-online', type: 'Online', status: 'Completed', customerType: 'B2C' },
];

/** The smallest scale: the planned orders. */
export const MIN_ORDERS = PLANNED_ORDERS.length;

const STATUS_WEIGHTS: Record<OrderType, readonly { value: string; weight: number }[]> = {
  Online: [
    { value: 'New', weight: 10 },
    { value: 'InProgress', weight: 10 },
    { value: 'InTransit', weight: 15 },
    { value: 'PartiallyShipped', weight: 5 },
    { value: 'Completed', weight: 50 },
    { value: 'OrderCanceled', weight: 10 },
  ],
  ClickAndCollect: [
    { value: 'New', weight: 10 },
    { value: 'InProgress', weight: 10 },
    { value: 'ReadyForPickup', weight: 15 },
    { value: 'Completed', weight: 55 },
    { value: 'OrderCanceled', weight: 10 },
  ],
  Pos: [
    { value: 'Completed', weight: 95 },
    { value: 'OrderCanceled', weight: 5 },
  ],
};

const MARKET_WEIGHTS = [
  { value: 'nor' as MarketId, weight: 40 },
  { value: 'swe' as MarketId, weight: 30 },
  { value: 'dnk' as MarketId, weight: 15 },
  { value: 'fin' as MarketId, weight: 15 },
];

const PAYMENT_METHODS: Record<MarketId, readonly string[]> = {
  nor: ['Vipps', 'Klarna', 'Card'],
  swe: ['Swish', 'Klarna', 'Card'],
  dnk: ['MobilePay', 'Card'],
  fin: ['Card', 'Klarna', 'MobilePay'],
};

const CATEGORIES = ['clothing', 'shoes', 'accessories', 'home', 'outdoor', 'sport'] as const;
const VARIANT_NAMES = ['S', 'M', 'L', 'XL', 'Black', 'White', 'Navy', 'Green'] as const;
const PRODUCT_COUNT = 48;

const round2 = (n: number): number => Math.round(n * 100) / 100;
const iso = (ms: number): string => new Date(ms).toISOString();

/** Generates the seeded tenant. */
export function generateSeed(options: SeedOptions): SeedData {
  const { seed, now } = options;
  const scale = Math.max(MIN_ORDERS, Math.floor(options.scale));
  const f = fakerLike(en);
  f.seed(seed);
  const people: Record<MarketId, Faker> = {
    nor: fakerLike(nb_NO),
    swe: fakerLike(sv),
    dnk: fakerLike(da),
    fin: fakerLike(fi),
  };
  Object.values(people).forEach((p, i) => p.seed(seed * 31 + i + 1));

  const marketOf = new Map(STORES.map((s) => [s.id, s.market]));
  const market = (id: MarketId): Market => MARKETS.find((m) => m.marketId === id) as Market;

  // Stores
  const stores: Store[] = STORES.map((s, i) => ({
    id: s.id,
    name: s.name,
    isWarehouse: s.isWarehouse,
    isWebWarehouse: s.kind !== 'physical',
    isPublicVisible: s.kind !== 'warehouse',
    availableOnMarkets: [s.market],
    storeGroupId: s.kind === 'physical' ? `${s.market}-stores` : `${s.market}-${s.kind}`,
    externalIds: [{ providerName: 'ERP', id: `S${String(i + 1).padStart(3, '0')}` }],
    address: { name: s.name, line1: s.line1, city: s.city, postalCode: s.postalCode, countryCode: market(s.market).countryCode },
    storeRoleIds: [],
    created: iso(now - 3 * 365 * DAY + i * DAY),
    modified: iso(now - 30 * DAY + i * DAY),
  }));

  // Products
  const products: Product[] = [];
  for (let i = 0; i < PRODUCT_COUNT; i++) {
    const productId = `P-${1001 + i}`;
    const basePrice = f.number.int({ min: 2, max: 60 }) * 50 - 1;
    const limited = f.number.int(99) < 20;
    const marketIds = limited
      ? f.helpers.arrayElements(['swe', 'dnk', 'fin'], { min: 1, max: 2 }).sort()
      : [];
    const storeIds = !limited && f.number.int(99) < 8 ? ['store-bergen-mall', 'store-oslo-downtown'] : [];
    const created = now - f.number.int({ min: 200, max: 900 }) * DAY;
    const name = f.commerce.productName();
    const variantCount = f.number.int({ min: 1, max: 3 });
    const variantNames = f.helpers.arrayElements(VARIANT_NAMES, variantCount);
    const prices = (marketIds.length ? marketIds : MARKETS.map((m) => m.marketId)).map((marketId) => ({
      marketId,
      unitPrice: round2(Math.ceil(basePrice * PRICE_FACTOR[marketId as MarketId]) - (marketId === 'fin' ? 0.05 : 0)),
      currencyCode: market(marketId as MarketId).currency,
      validFrom: iso(created),
      validTo: null,
    }));
    products.push({
      id: `${productId}_en`,
      productId,
      skuId: null,
      isSku: false,
      name,
      language: 'en',
      brand: f.company.name(),
      productCategoryIds: [f.helpers.arrayElement(CATEGORIES)],
      marketIds,
      storeIds,
      isActive: f.number.int(99) < 92,
      variants: variantNames.map((v, n) => ({
        id: `${productId}-${n + 1}_en`,
        skuId: `${productId}-${n + 1}`,
        name: `${name} ${v}`,
        isActive: true,
        availableInventory: 0,
        isInStock: false,
        properties: [{ key: 'variant', value: v }],
      })),
      prices,
      availableInventory: 0,
      isInStock: false,
      properties: [{ key: 'ean', value: f.string.numeric(13) }],
      created: iso(created),
      modified: iso(now - f.number.int({ min: 1, max: 60 }) * DAY),
    });
  }

  const soldIn = (p: Product, storeId: string): boolean => {
    const m = marketOf.get(storeId) as MarketId;
    return (p.marketIds.length === 0 || p.marketIds.includes(m)) && (p.storeIds.length === 0 || p.storeIds.includes(storeId));
  };

  // Inventory: every SKU sold in a warehouse's market, in that warehouse.
  const inventory: InventoryItem[] = [];
  const available = new Map<string, number>();
  for (const store of STORES.filter((s) => s.isWarehouse)) {
    for (const p of products) {
      if (!soldIn(p, store.id) && !(store.kind === 'warehouse' && soldIn(p, ONLINE_STORE[store.market]))) continue;
      for (const v of p.variants) {
        const qty = f.number.int(99) < 10 ? 0 : f.number.int({ min: 1, max: 60 });
        const reserved = qty === 0 ? 0 : f.number.int({ min: 0, max: Math.min(qty, 3) });
        inventory.push({
          sku: v.skuId,
          warehouseCode: store.id,
          inventory: qty,
          reservedInventory: reserved,
          location: `${f.string.alpha({ length: 1, casing: 'upper' })}-${f.number.int({ min: 1, max: 40 })}-${f.number.int({ min: 1, max: 6 })}`,
          properties: [],
          created: iso(now - 400 * DAY),
          modified: iso(now - f.number.int({ min: 0, max: 30 * 24 }) * 3_600_000),
        });
        available.set(v.skuId, (available.get(v.skuId) ?? 0) + qty - reserved);
      }
    }
  }
  for (const p of products) {
    for (const v of p.variants) {
      v.availableInventory = available.get(v.skuId) ?? 0;
      v.isInStock = v.availableInventory > 0;
    }
    p.availableInventory = p.variants.reduce((sum, v) => sum + v.availableInventory, 0);
    p.isInStock = p.availableInventory > 0;
  }

  // Customers, spread over the markets in a fixed cycle so every market has some.
  const marketCycle: MarketId[] = ['nor', 'swe', 'nor', 'dnk', 'swe', 'fin', 'nor', 'swe', 'fin', 'nor'];
  const privateCount = Math.min(10_000, Math.max(40, Math.ceil(scale / 4)));
  const businessCount = Math.min(1_000, Math.max(10, Math.ceil(scale / 40)));
  const physicalOf = (m: MarketId) => STORES.filter((s) => s.market === m && s.kind === 'physical' && s.isWarehouse).map((s) => s.id);

  const privateCustomers: PrivateCustomer[] = [];
  const privateByMarket: Record<MarketId, PrivateCustomer[]> = { nor: [], swe: [], dnk: [], fin: [] };
  for (let i = 0; i < privateCount; i++) {
    const m = marketCycle[i % marketCycle.length] as MarketId;
    const p = people[m];
    const firstName = p.person.firstName();
    const lastName = p.person.lastName();
    const email = p.internet.email({ firstName, lastName, provider: `example.${market(m).countryCode.toLowerCase()}` }).toLowerCase();
    const phone = phoneNumber(f, m);
    const address: Address = {
      name: `${firstName} ${lastName}`,
      firstName,
      lastName,
      line1: p.location.streetAddress(),
      line2: null,
      city: p.location.city(),
      postalCode: p.location.zipCode(),
      countryCode: market(m).countryCode,
      phone,
      email,
    };
    const created = now - f.number.int({ min: 30, max: 1000 }) * DAY;
    const storeIds = [ONLINE_STORE[m], ...(f.number.int(99) < 30 ? [f.helpers.arrayElement(physicalOf(m))] : [])];
    // Drawn in this order (the data depends on it), laid out in the schema's field order, as the domain stores it.
    const isCustomerClubMember = f.number.int(99) < 40;
    const tags = f.number.int(99) < 5 ? ['vip'] : [];
    const customer: PrivateCustomer = {
      customerId: `PC-${100001 + i}`,
      customerNumber: String(100001 + i),
      email,
      phone,
      marketId: m,
      storeIds,
      address,
      addresses: [address],
      tags,
      externalIds: [],
      properties: [],
      created: iso(created),
      modified: iso(created + f.number.int({ min: 0, max: Math.floor((now - created) / DAY) }) * DAY),
      firstName,
      lastName,
      fullName: `${firstName} ${lastName}`,
      consents: [],
      isCustomerClubMember,
    };
    privateCustomers.push(customer);
    privateByMarket[m].push(customer);
  }

  const businessCustomers: BusinessCustomer[] = [];
  const businessByMarket: Record<MarketId, BusinessCustomer[]> = { nor: [], swe: [], dnk: [], fin: [] };
  for (let i = 0; i < businessCount; i++) {
    const m = marketCycle[i % marketCycle.length] as MarketId;
    const p = people[m];
    const name = p.company.name();
    const domain = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '')}.example`;
    const contactFirst = p.person.firstName();
    const contactLast = p.person.lastName();
    const phone = phoneNumber(f, m);
    const address: Address = {
      name,
      line1: p.location.streetAddress(),
      line2: null,
      city: p.location.city(),
      postalCode: p.location.zipCode(),
      countryCode: market(m).countryCode,
      phone,
      email: `invoice@${domain}`,
    };
    const created = now - f.number.int({ min: 60, max: 1500 }) * DAY;
    // Drawn in this order (the data depends on it), laid out in the schema's field order, as the domain stores it.
    const organizationNumber = f.string.numeric(9);
    const contactPersons = [{ firstName: contactFirst, lastName: contactLast, email: `${contactFirst.toLowerCase()}@${domain}`, phone: phoneNumber(f, m) }];
    const externalIds = [{ providerName: 'ERP', id: `K${f.string.numeric(6)}` }];
    const customer: BusinessCustomer = {
      customerId: `BC-${10001 + i}`,
      customerNumber: String(10001 + i),
      email: `post@${domain}`,
      phone,
      marketId: m,
      storeIds: [ONLINE_STORE[m]],
      address,
      addresses: [address],
      tags: ['b2b'],
      externalIds,
      properties: [],
      created: iso(created),
      modified: iso(created + f.number.int({ min: 0, max: Math.floor((now - created) / DAY) }) * DAY),
      name,
      organizationNumber,
      contactPersons,
    };
    businessCustomers.push(customer);
    businessByMarket[m].push(customer);
  }

  // Orders
  const productsFor = new Map<string, Product[]>(STORES.map((s) => [s.id, products.filter((p) => soldIn(p, s.id))]));
  const physicalStores = STORES.filter((s) => s.kind === 'physical');
  const drafts: { created: number; order: Order }[] = [];
  for (let i = 0; i < scale; i++) {
    const plan = PLANNED_ORDERS[i] ?? randomPlan(f, physicalStores);
    const m = marketOf.get(plan.store) as MarketId;
    const created = now - f.number.int({ min: 600_000, max: 120 * DAY });
    const age = now - created;
    const modified = created + f.number.int({ min: 0, max: Math.min(age, 10 * DAY) });
    const lineCount = f.number.int({ min: plan.status === 'PartiallyShipped' ? 2 : 1, max: 4 });
    const candidates = productsFor.get(plan.store) as Product[];
    const taxRate = market(m).defaultTaxRate;
    const lineItems: LineItem[] = pickDistinct(f, candidates, lineCount).map((p, n) => {
      const v = p.variants[f.number.int(p.variants.length - 1)] as Product['variants'][number];
      const price = p.prices.find((x) => x.marketId === m)?.unitPrice ?? 0;
      return {
        lineItemId: String(n + 1),
        code: v.skuId,
        displayName: v.name,
        productId: p.productId,
        placedPrice: price,
        quantity: plan.customerType === 'B2B' ? f.number.int({ min: 1, max: 20 }) : f.number.int({ min: 1, max: 3 }),
        taxRate,
      };
    });
    const subTotal = round2(lineItems.reduce((sum, l) => sum + l.placedPrice * l.quantity, 0));
    const taxTotal = round2((subTotal * taxRate) / (100 + taxRate));

    const customer = pickCustomer(f, plan, m, privateByMarket, businessByMarket);
    const billingAddress = customer?.address ?? null;
    const storeSpec = STORES.find((s) => s.id === plan.store) as StoreSpec;
    const warehouseCode = storeSpec.isWarehouse ? plan.store : 'warehouse-nor-central';
    const shipments = makeShipments(f, plan, lineItems, warehouseCode, billingAddress);
    const payment = makePayment(f, plan, m, subTotal);

    drafts.push({
      created,
      order: {
        id: '',
        orderNumber: '',
        customerId: customer?.customerId ?? null,
        customerName: customer ? customerName(customer) : null,
        customerEmail: customer?.email ?? null,
        customerPhone: customer?.phone ?? null,
        customerType: plan.customerType,
        marketId: m,
        storeId: plan.store,
        status: plan.status,
        orderType: plan.type,
        billingCurrency: market(m).currency,
        billingAddress,
        created: iso(created),
        modified: iso(modified),
        properties: [
          { key: 'salesChannel', value: plan.type === 'Online' ? 'web' : 'store' },
          ...(plan.customerType === 'B2B' ? [{ key: 'purchaseOrderNumber', value: `PO-${digits(f, 6)}` }] : []),
        ],
        externalIds: plan.type === 'Online' ? [{ providerName: 'WebShop', id: `WEB-${digits(f, 8)}` }] : [],
        tags: plan.customerType === 'B2B' ? ['b2b'] : f.number.int(99) < 8 ? ['vip'] : [],
        errors: [],
        isReadOnly: false,
        publicOrderNotes: [],
        orderNotes: [],
        subTotal,
        taxTotal,
        total: subTotal,
        totalExclTax: round2(subTotal - taxTotal),
        orderForm: { lineItems, shipments, payments: [payment], discounts: [], subTotal, total: subTotal },
      },
    });
  }
  // Oldest first, so order numbers grow with time as in a real tenant.
  drafts.sort((a, b) => a.created - b.created);
  const orders: Order[] = drafts.map((d, i) => {
    d.order.id = d.order.orderNumber = `ORD-${FIRST_ORDER_NUMBER + i}`;
    return d.order;
  });

  // Carts: a few open baskets.
  const carts: Cart[] = [];
  const cartStores = ['oslo-online', 'oslo-online', 'stockholm-online', 'store-oslo-downtown', 'copenhagen-online', 'helsinki-online'];
  cartStores.forEach((storeId, i) => {
    const m = marketOf.get(storeId) as MarketId;
    const taxRate = market(m).defaultTaxRate;
    const lineItems = f.helpers.arrayElements(productsFor.get(storeId) as Product[], f.number.int({ min: 1, max: 3 })).map((p, n) => ({
      lineItemId: String(n + 1),
      code: (p.variants[0] as { skuId: string }).skuId,
      displayName: p.name,
      productId: p.productId,
      placedPrice: p.prices.find((x) => x.marketId === m)?.unitPrice ?? 0,
      quantity: f.number.int({ min: 1, max: 2 }),
      taxRate,
    }));
    const customer = i % 2 === 0 ? privateByMarket[m][i % Math.max(1, privateByMarket[m].length)] : undefined;
    const subTotal = round2(lineItems.reduce((sum, l) => sum + l.placedPrice * l.quantity, 0));
    const taxTotal = round2((subTotal * taxRate) / (100 + taxRate));
    const created = now - f.number.int({ min: 1, max: 72 }) * 3_600_000;
    carts.push({
      id: `cart-${String(i + 1).padStart(4, '0')}`,
      orderNumber: null,
      customerId: customer?.customerId ?? null,
      customerName: customer ? customerName(customer) : null,
      customerEmail: customer?.email ?? null,
      customerPhone: customer?.phone ?? null,
      customerType: 'B2C',
      marketId: m,
      storeId,
      status: null,
      orderType: null,
      billingCurrency: market(m).currency,
      billingAddress: customer?.address ?? null,
      created: iso(created),
      modified: iso(created + 600_000),
      properties: [],
      externalIds: [],
      tags: [],
      errors: [],
      isReadOnly: false,
      publicOrderNotes: [],
      orderNotes: [],
      subTotal,
      taxTotal,
      total: subTotal,
      totalExclTax: round2(subTotal - taxTotal),
      orderForm: { lineItems, shipments: [], payments: [], discounts: [], subTotal, total: subTotal },
      // Last: the schema's field order (the cart's own fields after the order's), as the domain stores it.
      name: 'Default',
    });
  });

  return {
    markets: MARKETS.map((m) => ({ ...m })),
    stores,
    products,
    inventory,
    privateCustomers,
    businessCustomers,
    orders,
    carts,
  };
}

/** `n` random digits (faker's string helpers cost too much per order at 100,000 orders). */
function digits(f: Faker, n: number): string {
  return String(f.number.int({ min: 10 ** (n - 1), max: 10 ** n - 1 }));
}

/** `count` distinct elements, without copying and shuffling the whole list. */
function pickDistinct<T>(f: Faker, list: readonly T[], count: number): T[] {
  const picked = new Set<number>();
  const max = Math.min(count, list.length);
  while (picked.size < max) picked.add(f.number.int(list.length - 1));
  return [...picked].map((i) => list[i] as T);
}

function randomPlan(f: Faker, physicalStores: readonly StoreSpec[]): OrderPlan {
  const type = f.helpers.weightedArrayElement<OrderType>([
    { value: 'Online', weight: 60 },
    { value: 'ClickAndCollect', weight: 20 },
    { value: 'Pos', weight: 20 },
  ]);
  const store =
    type === 'Online'
      ? ONLINE_STORE[f.helpers.weightedArrayElement(MARKET_WEIGHTS)]
      : f.helpers.arrayElement(physicalStores.filter((s) => type === 'Pos' || s.isWarehouse)).id;
  return {
    store,
    type,
    status: f.helpers.weightedArrayElement(STATUS_WEIGHTS[type]),
    customerType: type !== 'Pos' && f.number.int(99) < 15 ? 'B2B' : 'B2C',
  };
}

function pickCustomer(
  f: Faker,
  plan: OrderPlan,
  m: MarketId,
  privates: Record<MarketId, PrivateCustomer[]>,
  businesses: Record<MarketId, BusinessCustomer[]>,
): PrivateCustomer | BusinessCustomer | undefined {
  if (plan.customerType === 'B2B') return f.helpers.arrayElement(businesses[m]);
  // Half of the walk-in sales at the till are anonymous.
  if (plan.type === 'Pos' && f.number.int(1) === 0) return undefined;
  return f.helpers.arrayElement(privates[m]);
}

function customerName(c: PrivateCustomer | BusinessCustomer): string {
  return 'name' in c && typeof c.name === 'string' ? c.name : `${c.firstName ?? ''} ${c.lastName ?? ''}`.trim();
}

function phoneNumber(f: Faker, m: MarketId): string {
  const prefix = { nor: '+47 9', swe: '+46 70', dnk: '+45 2', fin: '+358 40' }[m];
  return `${prefix}${digits(f, 7)}`;
}

function makeShipments(
  f: Faker,
  plan: OrderPlan,
  lines: LineItem[],
  warehouseCode: string,
  address: Address | null,
): Shipment[] {
  const method = plan.type === 'Online' ? f.helpers.arrayElement(['Standard', 'Express', 'Pickup point']) : plan.type === 'Pos' ? 'POS' : 'Click & Collect';
  const tracked = plan.type === 'Online' && ['InTransit', 'Completed', 'PartiallyShipped'].includes(plan.status);
  const shipment = (shipmentId: string, status: string, lineItems: LineItem[], withTracking: boolean): Shipment => ({
    shipmentId,
    shippingMethodName: method,
    warehouseCode,
    status,
    lineItems,
    address,
    ...(withTracking ? { trackingNumber: digits(f, 12), trackingUrl: null } : {}),
  });
  if (plan.status === 'PartiallyShipped') {
    const half = Math.ceil(lines.length / 2);
    return [shipment('1', 'InTransit', lines.slice(0, half), true), shipment('2', 'New', lines.slice(half), false)];
  }
  return [shipment('1', plan.status, lines, tracked)];
}

function makePayment(f: Faker, plan: OrderPlan, m: MarketId, amount: number): Payment {
  const method =
    plan.customerType === 'B2B' ? 'Invoice' : plan.type === 'Pos' ? f.helpers.arrayElement(['Card', 'Cash']) : f.helpers.arrayElement(PAYMENT_METHODS[m]);
  const transactionType =
    plan.status === 'OrderCanceled'
      ? 'Void'
      : ['InTransit', 'Completed', 'PartiallyShipped'].includes(plan.status)
        ? 'Capture'
        : 'Authorization';
  return {
    paymentId: '1',
    paymentMethodName: method,
    amount,
    status: 'Processed',
    transactionType,
    transactionId: f.number.int({ min: 36 ** 9, max: 36 ** 10 - 1 }).toString(36).toUpperCase(),
  };
}
