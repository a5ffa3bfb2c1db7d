/**
 * The fulfilment service's data: the orders shops push to it. A shop sends only what fulfilment
 * needs (a reference, lines by SKU, where to ship) and reads back the status; the service never
 * answers an address back.
 */
import { z } from 'zod';
import { DEFAULT_ORDERS, seedOrders } from './seed.ts';

export const ORDER_STATUSES = ['received', 'picking', 'shipped', 'delivered', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const orderLine = z.object({ sku: z.string().min(1).max(64), quantity: z.int().min(1).max(999) });

export const shipTo = z
  .strictObject({
    name: z.string().min(1).max(120),
    line1: z.string().min(1).max(200),
    line2: z.string().max(200).optional(),
    postcode: z.string().min(1).max(20),
    city: z.string().min(1).max(100),
    country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code'),
  })
  .meta({ id: 'ShipTo' });

/** What a shop sends: nothing about payment, billing, the customer's phone or notes. */
export const orderInput = z
  .strictObject({
    reference: z.string().min(1).max(64),
    items: z.array(orderLine).min(1).max(100),
    shipTo,
    /** Where to send the tracking link; optional, since the shop may send its own. */
    notifyEmail: z.email().optional(),
  })
  .meta({ id: 'FulfilmentOrderInput' });

export type OrderInput = z.infer<typeof orderInput>;

/** What is read back: the status and how it ships, no address, no lines. */
export const orderStatusView = z
  .object({
    id: z.string(),
    reference: z.string(),
    status: z.enum(ORDER_STATUSES),
    carrier: z.string().nullable(),
    trackingNumber: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'FulfilmentOrderStatus' });

export type OrderStatusView = z.infer<typeof orderStatusView>;

export interface FulfilmentOrder extends Omit<OrderInput, 'notifyEmail'> {
  id: string;
  status: OrderStatus;
  notifyEmail?: string;
  carrier: string | null;
  trackingNumber: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FulfilmentData {
  orders: Map<string, FulfilmentOrder>;
  /** Next id number for a pushed order. */
  nextId: number;
  reset(): Promise<void>;
  snapshot(): { orders: Record<string, FulfilmentOrder> };
}

export function statusView(o: FulfilmentOrder): OrderStatusView {
  return { id: o.id, reference: o.reference, status: o.status, carrier: o.carrier, trackingNumber: o.trackingNumber, createdAt: o.createdAt, updatedAt: o.updatedAt };
}

/** One environment's orders, seeded. */
export function createFulfilmentData(options: { seed: number; scale?: number; now: () => number }): FulfilmentData {
  const seeded = () => seedOrders({ seed: options.seed, scale: options.scale ?? DEFAULT_ORDERS, now: options.now() });
  const load = (db: FulfilmentData) => {
    const orders = seeded();
    db.orders = new Map(orders.map((o) => [o.id, o]));
    db.nextId = orders.length + 1;
  };
  const db: FulfilmentData = {
    orders: new Map(),
    nextId: 1,
    async reset() {
      load(db);
    },
    snapshot: () => ({ orders: Object.fromEntries([...db.orders].map(([k, v]) => [k, structuredClone(v)])) }),
  };
  load(db);
  return db;
}
