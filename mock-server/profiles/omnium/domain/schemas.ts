/**
 * The entities of the simulated Omnium tenant, with Omnium's own field names
 * (omnium-api.md A5). Every object is loose: a nested field an integration sends that the
 * mock does not model (a line's, an address's) is kept and returned, as the docs list only
 * some of them. The top level of an order write is closed instead (`endpoints/orders.ts`,
 * security-tests.md case 41): a field the order does not have is refused there.
 */
import { z } from 'zod';

const text = z.string().nullish();

/** Omnium's custom properties: `[{ key, value }]`. */
export const propertySchema = z.looseObject({ key: z.string(), value: z.string().nullish() });

/** A reference in another system: `[{ providerName, id }]`. */
export const externalIdSchema = z.looseObject({ providerName: z.string().nullish(), id: z.string() });

export const addressSchema = z.looseObject({
  name: text,
  firstName: text,
  lastName: text,
  line1: text,
  line2: text,
  city: text,
  postalCode: text,
  countryCode: text,
  phone: text,
  email: text,
});

export const lineItemSchema = z.looseObject({
  lineItemId: z.string(),
  code: z.string(),
  displayName: text,
  productId: text,
  placedPrice: z.number(),
  quantity: z.number(),
  taxRate: z.number().nullish(),
});

export const shipmentSchema = z.looseObject({
  shipmentId: z.string(),
  shippingMethodName: text,
  warehouseCode: text,
  status: text,
  lineItems: z.array(lineItemSchema).default([]),
  address: addressSchema.nullish(),
});

export const paymentSchema = z.looseObject({
  paymentId: z.string(),
  paymentMethodName: text,
  amount: z.number(),
  status: text,
  transactionType: text,
  transactionId: text,
});

export const orderFormSchema = z.looseObject({
  lineItems: z.array(lineItemSchema).default([]),
  shipments: z.array(shipmentSchema).default([]),
  payments: z.array(paymentSchema).default([]),
  discounts: z.array(z.unknown()).default([]),
  subTotal: z.number().nullish(),
  total: z.number().nullish(),
});

const orderShape = {
  id: z.string().min(1),
  orderNumber: z.string(),
  customerId: text,
  customerName: text,
  customerEmail: text,
  customerPhone: text,
  /** `B2C` or `B2B`. */
  customerType: text,
  marketId: z.string().min(1),
  storeId: z.string().min(1),
  status: z.string().min(1),
  orderType: z.string().min(1),
  billingCurrency: text,
  billingAddress: addressSchema.nullish(),
  created: z.string(),
  modified: z.string(),
  properties: z.array(propertySchema).default([]),
  externalIds: z.array(externalIdSchema).default([]),
  tags: z.array(z.string()).default([]),
  errors: z.array(z.unknown()).default([]),
  isReadOnly: z.boolean().default(false),
  publicOrderNotes: z.array(z.unknown()).default([]),
  orderNotes: z.array(z.unknown()).default([]),
  subTotal: z.number(),
  taxTotal: z.number(),
  total: z.number(),
  totalExclTax: z.number(),
  orderForm: orderFormSchema,
};

/** `OmniumOrder`. */
export const orderSchema = z.looseObject(orderShape).meta({ id: 'OmniumOrder' });

/** `OmniumCart`: the cart model inherits the order model; it has no status or type yet. */
export const cartSchema = z.looseObject({
  ...orderShape,
  orderNumber: text,
  status: text,
  orderType: text,
  name: text,
}).meta({ id: 'OmniumCart' });

/** `OmniumStore`. */
export const storeSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  isWarehouse: z.boolean().default(false),
  isWebWarehouse: z.boolean().default(false),
  isPublicVisible: z.boolean().default(true),
  availableOnMarkets: z.array(z.string()).default([]),
  storeGroupId: text,
  externalIds: z.array(externalIdSchema).default([]),
  address: addressSchema.nullish(),
  storeRoleIds: z.array(z.string()).default([]),
  created: z.string(),
  modified: z.string(),
}).meta({ id: 'OmniumStore' });

/** `OmniumMarket`: settings, not an entity of its own in Omnium (omnium-api.md A5). */
export const marketSchema = z.looseObject({
  marketId: z.string().min(1),
  marketName: z.string(),
  currency: z.string(),
  countryCode: z.string(),
  languageCode: z.string(),
  isDefaultMarket: z.boolean(),
  isActive: z.boolean(),
  marketGroupId: text,
  defaultTaxRate: z.number(),
  isTaxExcluded: z.boolean(),
}).meta({ id: 'OmniumMarket' });

export const priceSchema = z.looseObject({
  marketId: z.string(),
  unitPrice: z.number(),
  currencyCode: z.string(),
  validFrom: text,
  validTo: text,
});

export const variantSchema = z.looseObject({
  id: text,
  skuId: z.string().min(1),
  name: text,
  isActive: z.boolean().default(true),
  availableInventory: z.number().default(0),
  isInStock: z.boolean().default(false),
  properties: z.array(propertySchema).default([]),
});

/** `OmniumProduct`; `marketIds`/`storeIds` empty means every market/store. */
export const productSchema = z.looseObject({
  id: z.string().min(1),
  productId: z.string().min(1),
  skuId: text,
  isSku: z.boolean().default(false),
  name: z.string(),
  language: text,
  brand: text,
  productCategoryIds: z.array(z.string()).default([]),
  marketIds: z.array(z.string()).default([]),
  storeIds: z.array(z.string()).default([]),
  isActive: z.boolean().default(true),
  variants: z.array(variantSchema).default([]),
  prices: z.array(priceSchema).default([]),
  availableInventory: z.number().default(0),
  isInStock: z.boolean().default(false),
  properties: z.array(propertySchema).default([]),
  created: z.string(),
  modified: z.string(),
}).meta({ id: 'OmniumProduct' });

/** `OmniumInventoryItem`: the stock of one SKU in one warehouse. */
export const inventorySchema = z.looseObject({
  sku: z.string().min(1),
  warehouseCode: z.string().min(1),
  inventory: z.number(),
  reservedInventory: z.number().default(0),
  location: text,
  properties: z.array(propertySchema).default([]),
  created: z.string(),
  modified: z.string(),
}).meta({ id: 'OmniumInventoryItem' });

const customerShape = {
  customerId: z.string().min(1),
  customerNumber: text,
  email: text,
  phone: text,
  marketId: text,
  storeIds: z.array(z.string()).default([]),
  address: addressSchema.nullish(),
  addresses: z.array(addressSchema).default([]),
  tags: z.array(z.string()).default([]),
  externalIds: z.array(externalIdSchema).default([]),
  properties: z.array(propertySchema).default([]),
  created: z.string(),
  modified: z.string(),
};

/** `OmniumPrivateCustomer` (B2C). */
export const privateCustomerSchema = z.looseObject({
  ...customerShape,
  firstName: text,
  lastName: text,
  fullName: text,
  consents: z.array(z.unknown()).default([]),
  isCustomerClubMember: z.boolean().default(false),
}).meta({ id: 'OmniumPrivateCustomer' });

/** `OmniumBusinessCustomer` (B2B). */
export const businessCustomerSchema = z.looseObject({
  ...customerShape,
  name: z.string(),
  organizationNumber: text,
  contactPersons: z.array(z.unknown()).default([]),
}).meta({ id: 'OmniumBusinessCustomer' });

export type Property = z.infer<typeof propertySchema>;
export type ExternalId = z.infer<typeof externalIdSchema>;
export type Address = z.infer<typeof addressSchema>;
export type LineItem = z.infer<typeof lineItemSchema>;
export type Shipment = z.infer<typeof shipmentSchema>;
export type Payment = z.infer<typeof paymentSchema>;
export type Order = z.infer<typeof orderSchema>;
export type Cart = z.infer<typeof cartSchema>;
export type Store = z.infer<typeof storeSchema>;
export type Market = z.infer<typeof marketSchema>;
export type Price = z.infer<typeof priceSchema>;
export type Variant = z.infer<typeof variantSchema>;
export type Product = z.infer<typeof productSchema>;
export type InventoryItem = z.infer<typeof inventorySchema>;
export type PrivateCustomer = z.infer<typeof privateCustomerSchema>;
export type BusinessCustomer = z.infer<typeof businessCustomerSchema>;

/** Order statuses the seed uses (tenant-configured in Omnium; these are the documented ones). */
export const ORDER_STATUSES = [
  'New',
  'InProgress',
  'InTransit',
  'ReadyForPickup',
  'Completed',
  'OrderCanceled',
  'PartiallyShipped',
] as const;

export const ORDER_TYPES = ['Online', 'ClickAndCollect', 'Pos'] as const;

/** Status of a soft-deleted order (`DELETE /api/Orders/{id}`). */
export const DELETED_STATUS = 'Deleted';
