import { describe, expect, it } from 'vitest';
import { createFailureLimiter } from './failure-limiter';

describe('failure limiter', () => {
  it('refuses an address once it used up its failures, until the window ends; others are unaffected', () => {
    let clock = 0;
    const limiter = createFailureLimiter({ maxFailures: 3, windowMs: 60_000 }, () => clock);
    for (let i = 0; i < 3; i += 1) {
      limiter.assertAllowed('10.0.0.1');
      limiter.recordFailure('10.0.0.1');
    }
    expect(() => limiter.assertAllowed('10.0.0.1')).toThrow(/too many failed authentications.*retry in 60 s/);
    expect(() => limiter.assertAllowed('10.0.0.2')).not.toThrow();
    clock = 60_001;
    expect(() => limiter.assertAllowed('10.0.0.1')).not.toThrow();
  });

  it('remembers a bounded number of addresses', () => {
    const limiter = createFailureLimiter({ maxFailures: 1, windowMs: 60_000, maxTracked: 2 });
    for (const key of ['a', 'b', 'c']) limiter.recordFailure(key);
    expect(() => limiter.assertAllowed('a')).not.toThrow(); // forgotten
    expect(() => limiter.assertAllowed('c')).toThrow();
  });
});
