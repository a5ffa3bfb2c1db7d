import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.ts';
import { TokenLockout } from './token-lockout.ts';

describe('TokenLockout', () => {
  it('locks a client id after the allowed failures until the oldest leaves the window, and no other', () => {
    const clock = createManualClock();
    const lockout = new TokenLockout({ failures: 3, windowMs: 60_000, now: clock.now });
    for (let i = 0; i < 3; i++) {
      expect(lockout.waitSeconds('erp')).toBe(0);
      lockout.fail('erp');
      clock.advance(10_000);
    }
    // Failures at 0, 10 and 20 s; now 30 s: the first leaves the window at 60 s.
    expect(lockout.waitSeconds('erp')).toBe(30);
    expect(lockout.waitSeconds('pim')).toBe(0);
    clock.advance(29_999);
    expect(lockout.waitSeconds('erp')).toBe(1);
    clock.advance(1);
    expect(lockout.waitSeconds('erp')).toBe(0);
  });

  it('tracks at most maxClients client ids, forgetting the oldest first', () => {
    const clock = createManualClock();
    const lockout = new TokenLockout({ failures: 1, windowMs: 60_000, now: clock.now, maxClients: 2 });
    lockout.fail('a');
    lockout.fail('b');
    lockout.fail('c');
    expect([lockout.waitSeconds('a'), lockout.waitSeconds('b'), lockout.waitSeconds('c')]).toEqual([0, 60, 60]);
  });
});
