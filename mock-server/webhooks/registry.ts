import { GoliveError } from '../../errors.ts';
import type { DomainEvent } from '../domain/events.ts';
import { type AuthHeader, authHeader } from './auth-header.ts';
import { createHostGuard, type HostGuard } from './hosts.ts';
import type { Endpoint, OriginQueues } from './queue.ts';
import { type CompiledSigning, compileSigning } from './signature.ts';
import {
  matches,
  parseSubscription,
  type RegisteredSubscription,
  type SubscriptionInput,
  type SubscriptionView,
  viewSubscription,
} from './subscriptions.ts';

const CONTENT_TYPE = 'application/json; charset=utf-8';

/** A subscription compiled for sending: built once so a delivery copies as little as possible. */
export interface Target {
  readonly sub: RegisteredSubscription;
  readonly endpoint: Endpoint;
  /** The http:// twin of an https:// endpoint. */
  readonly fallback: Endpoint | null;
  /** content-type and the custom headers. */
  readonly headers: Readonly<Record<string, string>>;
  readonly auth: AuthHeader | null;
  readonly signing: CompiledSigning | null;
}

/**
 * The subscriptions the sender holds, each compiled into a Target as it is added. Refuses a host
 * the guard does not allow and an id already taken; a subscription, once added, is frozen, so the
 * compiled target can never disagree with it.
 */
export class SubscriptionRegistry {
  readonly #hosts: HostGuard;
  readonly #queues: OriginQueues;
  readonly #targets = new Map<string, Target>();
  #nextId = 1;

  /** `allowHosts`: hosts allowed besides loopback (see `createHostGuard`, which throws for one it cannot read). */
  constructor(allowHosts: readonly string[] | undefined, queues: OriginQueues) {
    this.#hosts = createHostGuard(allowHosts);
    this.#queues = queues;
  }

  /**
   * Validates the subscription (see `parseSubscription`), refuses a host that is neither loopback
   * nor allowed, and adds it; returns it with its id (`s1`, `s2`… unless given), secrets included.
   */
  add(input: SubscriptionInput | RegisteredSubscription): RegisteredSubscription {
    const parsed = parseSubscription(input);
    const url = new URL(parsed.url);
    if (!this.#hosts.allows(url.hostname)) {
      throw new GoliveError(
        'GOLIVE_ERR_BAD_REQUEST',
        `url: host ${url.hostname} is not loopback; webhooks go only to 127.0.0.0/8, ::1 and localhost unless allowHosts names the host`,
      );
    }
    let id = parsed.id;
    if (id === undefined) {
      do id = `s${this.#nextId++}`;
      while (this.#targets.has(id));
    } else if (this.#targets.has(id)) {
      throw new GoliveError('GOLIVE_ERR_CONFLICT', `id: a subscription ${id} exists already`);
    }
    const sub: RegisteredSubscription = deepFreeze({ ...parsed, id });
    this.#targets.set(id, this.#compile(sub, url));
    return sub;
  }

  /** `false` when there is none with this id. */
  remove(id: string): boolean {
    return this.#targets.delete(id);
  }

  /** The subscriptions, secrets masked. */
  list(): SubscriptionView[] {
    return [...this.#targets.values()].map((t) => viewSubscription(t.sub));
  }

  /** The target of this id; throws `GOLIVE_ERR_NOT_FOUND` naming the id when there is none. */
  get(id: string): Target {
    const target = this.#targets.get(id);
    if (!target) throw new GoliveError('GOLIVE_ERR_NOT_FOUND', `subscriptionId: no subscription ${id}`);
    return target;
  }

  /** The target of this id, if it is still registered. */
  find(id: string): Target | undefined {
    return this.#targets.get(id);
  }

  /**
   * Whether the target is still registered: not removed, nor replaced by a new subscription that
   * took its id. What waited (a retry, a delayed redelivery) is dropped when it is not.
   */
  isCurrent(target: Target): boolean {
    return this.#targets.get(target.sub.id) === target;
  }

  /** The targets whose filters take this event, in the order they were added. */
  matching(event: DomainEvent): Target[] {
    const found: Target[] = [];
    for (const target of this.#targets.values()) if (matches(target.sub, event)) found.push(target);
    return found;
  }

  #compile(sub: RegisteredSubscription, url: URL): Target {
    const primary = url.protocol === 'https:' ? 'https' : 'http';
    return {
      sub,
      endpoint: this.#queues.endpoint(url, primary),
      fallback: primary === 'https' ? this.#queues.endpoint(url, 'http') : null,
      headers: { 'content-type': CONTENT_TYPE, ...sub.headers },
      auth: sub.auth ? authHeader(sub.auth) : null,
      signing: sub.signing ? compileSigning(sub.signing) : null,
    };
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
