/**
 * Omnium's webhook events: an order's status change raises event 310101
 * (ApiOrderUpdateStatus), and what a delivery of it may rightly change.
 */
import { GoliveError } from '../../../errors.ts';
import type { Scope, ScopeList } from '../../auth/scope.ts';
import type { EventFields } from '../../domain/events.ts';
import type { EventSpec, NewObject, ProfileEvents, UnknownEventShape } from '../../handlers/profile.ts';
import type { Domain, Order } from './domain/index.ts';
import { omniumFailureEvent } from './failure-events.ts';

/** The products an order's lines are of (by the SKUs' products). */
function productsOf(db: Domain, orderId: string): Set<string> {
  const lines = db.orders.get(orderId)?.orderForm?.lineItems ?? [];
  return new Set(lines.flatMap((l) => (l.code ? [db.products.get(l.code)?.productId ?? l.code] : [])));
}

async function change(db: Domain, spec: EventSpec, scope: Scope, now: number): Promise<EventFields> {
  if (spec.className !== 'Order') throw new GoliveError('GOLIVE_ERR_BAD_REQUEST', `className: the mock can change "Order" objects only, not "${spec.className}"`);
  const order = spec.objectId ? db.orders.get(spec.objectId) : db.orders.all().find((o) => scope.allows(o) && o.status !== spec.status);
  if (!order) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', spec.objectId ? `no order ${spec.objectId}` : "no order in the API user's scope to change");
  const previousStatus = order.status;
  await db.orders.update(order.id, (draft) => {
    draft.status = spec.status;
    draft.modified = new Date(now).toISOString();
  });
  return {
    operationId: 310101,
    message: 'Order status updated',
    className: 'Order',
    subClassName: order.orderType,
    objectId: order.id,
    objectNumber: order.orderNumber ?? order.id,
    category: 'Workflow',
    market: order.marketId,
    storeId: order.storeId,
    status: spec.status,
    previousStatus,
    isError: false,
    isRead: false,
    origin: 'golive admin',
  };
}

/**
 * An event Omnium does not define: an operationId and a className of its own, about the real
 * event's order, in Omnium's envelope. A receiver that routes on `className` (or `operationId`)
 * leaves it alone; one that takes every event for an order change books the order again.
 */
const unknown: UnknownEventShape = {
  label: 'operationId 999999, className GoliveUnknown',
  fields: (about) => ({
    operationId: 999999,
    message: 'An event of a type golive made up: no integration knows it',
    className: 'GoliveUnknown',
    objectId: about.objectId,
    ...(about.objectNumber === undefined ? {} : { objectNumber: about.objectNumber }),
    category: 'Workflow',
    ...(about.market === undefined ? {} : { market: about.market }),
    ...(about.storeId === undefined ? {} : { storeId: about.storeId }),
    isError: false,
    isRead: false,
    origin: 'golive admin',
  }),
};

/**
 * Two new orders alike but for their ids and their lines' SKUs (security-tests.md case 95): a
 * copy of the first order in the API user's stores, with two lines each (1 and 2 units) of SKUs
 * with 20 or more units free in its store, of four products no other line of theirs shares. Each is added as
 * `POST /api/Orders` would (AddOrder, 110106, status `New`), then moved to `InProgress` (310101).
 */
async function twins(db: Domain, scope: Scope, times: { created: number; changed: number }): Promise<[NewObject, NewObject]> {
  const template = db.orders.all().find((o) => scope.allows(o) && (o.orderForm?.lineItems ?? []).length > 0);
  if (!template) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', "no order in the API user's scope to copy");
  const store = template.storeId ?? '';
  const taken = productsOf(db, template.id);
  // Each twin's line i is of a SKU at the same place in its product (its variant index), so
  // what a reservation changes in the two products is at the same path (`variants.1.…`).
  type Pick = { sku: string; productId: string };
  const byPlace = new Map<number, Pick[]>();
  const pairs: [Pick, Pick][] = [];
  for (const item of db.inventory.all()) {
    const product = db.products.get(item.sku);
    // Plenty left, so a reservation of a few units moves no product in or out of stock for one twin only.
    if (item.warehouseCode !== store || item.inventory - (item.reservedInventory ?? 0) < 20 || !product || taken.has(product.productId)) continue;
    taken.add(product.productId);
    const place = product.variants.findIndex((v) => v.skuId === item.sku);
    const waiting = byPlace.get(place) ?? [];
    const mate = waiting.shift();
    if (mate) pairs.push([mate, { sku: item.sku, productId: product.productId }]);
    else waiting.push({ sku: item.sku, productId: product.productId });
    byPlace.set(place, waiting);
    if (pairs.length === 2) break;
  }
  if (pairs.length < 2) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `too few products in stock in ${store} for two new orders`);
  const line = template.orderForm.lineItems[0]!;
  const make = async (skus: readonly Pick[]): Promise<NewObject> => {
    const id = db.nextOrderNumber();
    const lines = skus.map((p, i) => ({ ...line, lineItemId: `${id}-${i + 1}`, code: p.sku, productId: p.productId, quantity: i + 1 }));
    const at = new Date(times.created).toISOString();
    const order = {
      ...template,
      id,
      orderNumber: id,
      status: 'New',
      // Its shipments carry its own lines, not the template's.
      orderForm: { ...template.orderForm, lineItems: lines, shipments: (template.orderForm.shipments ?? []).map((sh, i) => ({ ...sh, shipmentId: `${id}-s${i + 1}`, lineItems: lines })) },
      created: at,
      modified: at,
    } as Order;
    const stored = await db.orders.insert(order);
    const created: EventFields = {
      operationId: 110106,
      message: 'Order added',
      className: 'Order',
      subClassName: stored.orderType,
      objectId: id,
      objectNumber: id,
      category: 'Created',
      market: stored.marketId,
      storeId: stored.storeId,
      status: 'New',
      previousStatus: '',
      isError: false,
      isRead: false,
      origin: 'POST /api/Orders',
    };
    const changed = await change(db, { className: 'Order', objectId: id, status: 'InProgress' }, scope, times.changed);
    return { objectId: id, ids: [id, ...skus.flatMap((p) => [p.sku, p.productId])], created, changed };
  };
  return [await make(pairs.map(([a]) => a)), await make(pairs.map(([, b]) => b))];
}

export const omniumEvents: ProfileEvents<Domain> = {
  classNames: ['Order'],
  failure: omniumFailureEvent,
  sample: { className: 'Order', status: 'InProgress' },
  change,
  /**
   * The records the work for an order event may change: the order, the stock of its lines'
   * SKUs in every warehouse, and their products (whose stock figures follow).
   */
  footprint(db, orderId) {
    const order = db.orders.get(orderId);
    if (!order) return [`orders ${orderId}`];
    const skus = (order.orderForm?.lineItems ?? []).flatMap((l) => (l.code ? [l.code] : []));
    return [
      `orders ${orderId}`,
      ...skus.flatMap((sku) => db.inventory.group(sku).map((i) => `inventory ${i.sku}@${i.warehouseCode}`)),
      ...[...productsOf(db, orderId)].map((id) => `products ${id}`),
    ];
  },
  /** Another order in the user's stores whose products share none with `orderId`'s (the first such, for a repeatable run). */
  another(db, orderId, stores: ScopeList) {
    const taken = productsOf(db, orderId);
    const other = db.orders
      .all()
      .find((o) => o.id !== orderId && (stores === '*' || stores.includes(o.storeId ?? '')) && (o.orderForm?.lineItems ?? []).length > 0 && [...productsOf(db, o.id)].every((p) => !taken.has(p)));
    return other ? { objectId: other.id, storeId: other.storeId, ...(other.orderNumber ? { objectNumber: other.orderNumber } : {}) } : undefined;
  },
  unknown,
  twins,
};
