/** Which stores and markets an API user may see: `'*'` for all, or an explicit list. */
export type ScopeList = '*' | readonly string[];

/** A resolved scope, checked on every by-id access, write and search. */
export interface Scope {
  readonly stores: ScopeList;
  readonly markets: ScopeList;
  allowsStore(storeId: string | null | undefined): boolean;
  allowsMarket(marketId: string | null | undefined): boolean;
  /** Both the store and the market of an entity are in scope (a missing one counts as in scope). */
  allows(entity: { storeId?: string | null; marketId?: string | null }): boolean;
}

function allower(list: ScopeList): (id: string | null | undefined) => boolean {
  if (list === '*') return () => true;
  const set = new Set(list.map((s) => s.toLowerCase()));
  return (id) => id === null || id === undefined || id === '' || set.has(id.toLowerCase());
}

/** Builds the scope of an API user from its current record. */
export function createScope(stores: ScopeList, markets: ScopeList): Scope {
  const allowsStore = allower(stores);
  const allowsMarket = allower(markets);
  return {
    stores,
    markets,
    allowsStore,
    allowsMarket,
    allows: (entity) => allowsStore(entity.storeId) && allowsMarket(entity.marketId),
  };
}

/** The scope that sees everything (admin API, seeding). */
export const UNSCOPED: Scope = createScope('*', '*');
