import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy, type RetryPolicy, retryDelayMs } from './index';

const policy = (overrides: Partial<RetryPolicy>): RetryPolicy => ({ ...defaultRetryPolicy, attempts: 5, ...overrides });
const noJitterDraw = () => 0.5;

describe('retryDelayMs', () => {
  it('doubles exponential delays from delayMs and caps them at maxDelayMs', () => {
    const exponential = policy({ backoff: 'exponential', delayMs: 1000, maxDelayMs: 10_000 });
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(exponential, n, noJitterDraw))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it('keeps fixed delays constant, still under the cap', () => {
    expect([1, 2, 7].map((n) => retryDelayMs(policy({ backoff: 'fixed', delayMs: 750 }), n, noJitterDraw))).toEqual([
      750, 750, 750,
    ]);
    expect(retryDelayMs(policy({ backoff: 'fixed', delayMs: 5000, maxDelayMs: 2000 }), 1, noJitterDraw)).toBe(2000);
  });

  it('takes up to the jitter fraction off, never adding to the cap', () => {
    const jittery = policy({ backoff: 'exponential', delayMs: 1000, maxDelayMs: 3000, jitter: 0.5 });
    expect(retryDelayMs(jittery, 2, () => 0)).toBe(2000);
    expect(retryDelayMs(jittery, 2, () => 0.5)).toBe(1500);
    expect(retryDelayMs(jittery, 5, () => 0.999999)).toBe(1500);
    expect(retryDelayMs(policy({ delayMs: 1000, jitter: 1 }), 1, () => 0.25)).toBe(750);
    // A misbehaving random source is clamped rather than producing negative or inflated delays.
    expect(retryDelayMs(jittery, 1, () => 7)).toBe(500);
    expect(retryDelayMs(jittery, 1, () => -3)).toBe(1000);
  });

  it('stays finite for the largest attempt count', () => {
    expect(retryDelayMs(policy({ attempts: 25 }), 25, noJitterDraw)).toBe(defaultRetryPolicy.maxDelayMs);
  });

  it('refuses attempt numbers below 1 or fractional', () => {
    expect(() => retryDelayMs(policy({}), 0, noJitterDraw)).toThrow(/positive integer/);
    expect(() => retryDelayMs(policy({}), 1.5, noJitterDraw)).toThrow(/positive integer/);
  });
});
