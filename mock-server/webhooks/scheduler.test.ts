import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.ts';
import { createManualScheduler } from './scheduler.ts';

describe('createManualScheduler', () => {
  it('runs timers in due order as time advances, moving the clock with it', () => {
    const clock = createManualClock(0);
    const scheduler = createManualScheduler({ clock });
    const ran: [string, number][] = [];
    scheduler.setTimeout(() => ran.push(['b', clock.now()]), 20);
    scheduler.setTimeout(() => ran.push(['a', clock.now()]), 10);
    scheduler.setTimeout(() => ran.push(['a2', clock.now()]), 10);
    const dropped = scheduler.setTimeout(() => ran.push(['never', clock.now()]), 15);
    scheduler.clearTimeout(dropped);
    expect(scheduler.pending()).toEqual([10, 10, 20]);
    scheduler.advance(15);
    expect(ran).toEqual([
      ['a', 10],
      ['a2', 10],
    ]);
    expect(clock.now()).toBe(15);
    scheduler.advance(100);
    expect(ran.at(-1)).toEqual(['b', 20]);
    expect(scheduler.now()).toBe(115);
    expect(scheduler.pending()).toEqual([]);
  });

  it('runs a timer set by a timer when it falls due within the same advance', () => {
    const scheduler = createManualScheduler();
    const ran: number[] = [];
    scheduler.setTimeout(() => {
      ran.push(scheduler.now());
      scheduler.setTimeout(() => ran.push(scheduler.now()), 5);
    }, 5);
    scheduler.advance(10);
    expect(ran).toEqual([5, 10]);
  });
});
