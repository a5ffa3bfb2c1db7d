/**
 * What the console shows besides traffic: admin actions, and a certify run's plan, phases and
 * verdicts as they come. Whoever drives the mock (the admin routes, `golive certify`) publishes;
 * the console's event stream subscribes. Names no platform.
 */

/** One phase of a plan, as the console lists it. */
export interface FeedPhase {
  name: string;
  description: string;
  durationMs: number;
  /** The lane it runs in, when phases run side by side (`main`: the run's own instance). */
  lane?: string;
}

/** One check on the scoreboard: `pending` until judged. */
export interface FeedCheck {
  id: string;
  title: string;
  required: boolean;
  verdict: 'pending' | 'pass' | 'fail' | 'warn' | 'not-applicable' | 'inconclusive';
  summary?: string;
}

export type FeedEvent =
  /** Something changed through the admin API (a user deactivated, a fault added…), in words; `clientId` when it is about one user. */
  | { kind: 'action'; text: string; clientId?: string }
  /** A certify run (or demo) started: its phases and its checklist, every check pending. */
  | { kind: 'plan'; title: string; phases: FeedPhase[]; checks: FeedCheck[] }
  /** The plan's phase `index` started; `endsAt` is wall time (epoch ms) it ends at the latest. */
  | { kind: 'phase'; index: number; endsAt: number }
  /** One check judged. */
  | { kind: 'verdict'; check: FeedCheck }
  /** The run is over (`certified` when a certify run ended with a verdict). */
  | { kind: 'done'; text: string; certified?: boolean };

type Listener = (event: FeedEvent) => void;

/** The feed, and the state a console that connects late starts from. */
export interface Feed {
  publish(event: FeedEvent): void;
  subscribe(listener: Listener): () => void;
  /** What a new subscriber needs to catch up: the current plan with its verdicts, the phase, the last actions. */
  snapshot(): FeedEvent[];
}

const KEPT_ACTIONS = 50;

export function createFeed(): Feed {
  const listeners = new Set<Listener>();
  let plan: Extract<FeedEvent, { kind: 'plan' }> | null = null;
  let phase: Extract<FeedEvent, { kind: 'phase' }> | null = null;
  let done: Extract<FeedEvent, { kind: 'done' }> | null = null;
  const verdicts = new Map<string, Extract<FeedEvent, { kind: 'verdict' }>>();
  const actions: FeedEvent[] = [];
  return {
    publish(event) {
      switch (event.kind) {
        case 'plan':
          plan = event;
          phase = null;
          done = null;
          verdicts.clear();
          break;
        case 'phase':
          phase = event;
          break;
        case 'verdict':
          verdicts.set(event.check.id, event);
          break;
        case 'done':
          done = event;
          break;
        case 'action':
          actions.push(event);
          if (actions.length > KEPT_ACTIONS) actions.shift();
          break;
      }
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // one broken subscriber costs the others nothing
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot() {
      const events: FeedEvent[] = [...actions];
      if (plan) events.push(plan, ...verdicts.values());
      if (phase) events.push(phase);
      if (done) events.push(done);
      return events;
    },
  };
}
