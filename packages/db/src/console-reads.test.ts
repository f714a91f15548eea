import { describe, expect, it } from 'vitest';
import { successorOf } from './console-reads.repo';

describe('successorOf: the upper bound of a key-prefix range', () => {
  it('increments the last character, skipping surrogates and carrying past the last code point', () => {
    expect(successorOf('order-1')).toBe('order-2');
    expect(successorOf('a\uD7FF')).toBe('a\uE000');
    expect(successorOf('ab\u{10FFFF}')).toBe('ac');
    expect(successorOf('\u{10FFFF}')).toBeNull();
  });

  it('bounds every key that starts with the prefix, in code point order', () => {
    for (const prefix of ['key-3', 'order-', 'é', 'x😀']) {
      const upTo = successorOf(prefix) as string;
      for (const key of [prefix, `${prefix}0`, `${prefix}\u{10FFFF}`, `${prefix}zzz`]) {
        expect(key >= prefix && key < upTo, `${key} in [${prefix}, ${upTo})`).toBe(true);
      }
    }
  });
});
