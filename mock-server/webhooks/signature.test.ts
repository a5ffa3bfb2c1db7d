import { describe, expect, it } from 'vitest';
import { sign, signingKey } from './signature.ts';

describe('Standard Webhooks signatures', () => {
  it('matches the example in the Standard Webhooks spec', () => {
    const key = signingKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(sign(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('uses the UTF-8 bytes of a secret without the whsec_ prefix', () => {
    expect(signingKey('plain secret')).toEqual(Buffer.from('plain secret'));
    expect(sign(signingKey('k'), 'id', 1, Buffer.from('{}'))).toBe(sign(Buffer.from('k'), 'id', 1, '{}'));
  });
});
