import { describe, expect } from 'vitest';
import { Lane } from './queue.ts';
import { it, orderEvent } from './test/sender.ts';

describe('Lane', () => {
  /** Enters `n` sends that each take a place and report when they run. */
  const enter = (lane: Lane, n: number, ran: number[], from = 0) => {
    for (let i = from; i < from + n; i++) {
      lane.enter(() => {
        lane.acquire();
        ran.push(i);
      });
    }
  };

  it('lets 64 requests out at once and starts the next in order as each ends', () => {
    const lane = new Lane();
    const ran: number[] = [];
    enter(lane, 66, ran);
    expect(ran).toHaveLength(64);
    lane.release();
    expect(ran.slice(64)).toEqual([64]);
    lane.release();
    lane.release();
    expect(ran.slice(64)).toEqual([64, 65]);
  });

  it('starts every waiting request on flush, room or not (close lets them see it closed)', () => {
    const lane = new Lane();
    const ran: number[] = [];
    enter(lane, 70, ran);
    expect(ran).toHaveLength(64);
    lane.flush();
    expect(ran).toEqual([...Array(70).keys()]);
  });
});

describe('per-origin queue, against a real receiver', () => {
  it('starts the timeout of a queued send only when it goes out', async ({ sender, receiver }) => {
    // 320 sends to a receiver taking 50 ms each, at most 32 at a time: 500 ms or more in all, but
    // each send is on the wire for about 50 ms, far from the 400 ms timeout.
    receiver.respond(() => ({ status: 200, delayMs: 50 }));
    sender.subscribe({ url: `${receiver.origin}/`, timeoutMs: 400 });
    const started = performance.now();
    for (let i = 0; i < 320; i++) sender.publish(orderEvent());
    await sender.idle();
    expect(performance.now() - started).toBeGreaterThan(400);
    expect(sender.log().filter((r) => r.status !== 200)).toEqual([]);
    expect(receiver.requests).toHaveLength(320);
  });
});
