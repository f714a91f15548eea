import { describe, expect, it } from 'vitest';
import { jsonBytes, sizeProblem } from './json-size';

describe('jsonBytes', () => {
  it('counts UTF-8 bytes of the JSON form', () => {
    expect(jsonBytes({ a: 1 })).toBe(7);
    expect(jsonBytes('é')).toBe(4); // quotes + two bytes
    expect(jsonBytes(undefined)).toBe(4);
  });

  it('answers Infinity past the limit, counting multi-byte text right at the edge', () => {
    expect(jsonBytes('x'.repeat(100), 50)).toBe(Number.POSITIVE_INFINITY);
    expect(jsonBytes('é'.repeat(10), 21)).toBe(Number.POSITIVE_INFINITY); // 22 bytes, 12 code units
    expect(jsonBytes('é'.repeat(10), 22)).toBe(22);
  });

  it('counts a value nested too deep to serialise as too large, instead of throwing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i += 1) deep = [deep];
    expect(jsonBytes(deep, 1_000_000)).toBe(Number.POSITIVE_INFINITY);
  });

  it('names what is too large', () => {
    expect(sizeProblem('input', { big: 'x'.repeat(2_000) }, 1_000)).toBe('input is larger than 1000 bytes of JSON');
    expect(sizeProblem('input', { small: true }, 1_000)).toBeNull();
  });
});
