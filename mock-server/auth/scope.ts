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

/**
 * A scope for one request that remembers the last store and market it refused, so that a 403
 * can be journaled with what was out of scope (`store oslo-online out of scope`). A class, not
 * closures: one small object per request of a scoped user.
 */
export class RefusalRecorder implements Scope {
  /** The last store the request was refused; `undefined`: none. */
  refusedStore: string | undefined;
  /** The last market the request was refused; `undefined`: none. */
  refusedMarket: string | undefined;

  constructor(private readonly inner: Scope) {}

  get stores(): ScopeList {
    return this.inner.stores;
  }

  get markets(): ScopeList {
    return this.inner.markets;
  }

  allowsStore(storeId: string | null | undefined): boolean {
    const ok = this.inner.allowsStore(storeId);
    if (!ok) this.refusedStore = storeId ?? undefined;
    return ok;
  }

  allowsMarket(marketId: string | null | undefined): boolean {
    const ok = this.inner.allowsMarket(marketId);
    if (!ok) this.refusedMarket = marketId ?? undefined;
    return ok;
  }

  allows(entity: { storeId?: string | null; marketId?: string | null }): boolean {
    return this.allowsStore(entity.storeId) && this.allowsMarket(entity.marketId);
  }

  /** What the journal says of a 403 the resolver answered: the store or market it was refused. */
  denied(): string {
    if (this.refusedStore !== undefined) return `store ${this.refusedStore} out of scope`;
    if (this.refusedMarket !== undefined) return `market ${this.refusedMarket} out of scope`;
    return 'store or market out of scope';
  }
}
