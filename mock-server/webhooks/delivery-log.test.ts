import { describe, expect } from 'vitest';
import { it, orderEvent, statuses } from './test/sender.ts';

describe('delivery log', () => {
  it('keeps only the last logSize records', async ({ receiver, newSender }) => {
    const short = newSender({ logSize: 3 });
    short.subscribe({ url: `${receiver.origin}/` });
    for (let i = 0; i < 5; i++) short.publish(orderEvent());
    await short.idle();
    expect(short.log().map((r) => r.seq)).toEqual([3, 4, 5]);
  });

  it('keeps delivering when the onLog listener throws', async ({ receiver, newSender }) => {
    const noisy = newSender({
      onLog: () => {
        throw new Error('listener bug');
      },
    });
    noisy.subscribe({ url: `${receiver.origin}/` });
    noisy.publish(orderEvent());
    noisy.publish(orderEvent());
    await noisy.idle();
    expect(statuses(noisy.log())).toEqual([200, 200]);
  });
});
