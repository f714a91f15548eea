import { describe, expect, it } from 'vitest';
import { defaultJsonLimits, fieldOfProblem, jsonProblem, stringProblem } from './json-safety';

/** `depth` arrays or objects inside one another, built without recursion. */
function nested(depth: number, kind: 'array' | 'object' = 'array'): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < depth; level += 1) value = kind === 'array' ? [value] : { a: value };
  return value;
}

describe('jsonProblem', () => {
  it('accepts ordinary JSON, unicode included', () => {
    expect(jsonProblem({ order: 42, items: [{ sku: 'a-1', note: null, ok: true }], name: 'Zoë 🚀 東京' })).toBeNull();
    expect(jsonProblem('plain')).toBeNull();
    expect(jsonProblem(null)).toBeNull();
    expect(jsonProblem(nested(defaultJsonLimits.maxDepth))).toBeNull();
  });

  it('refuses nesting past the limit and names where', () => {
    expect(jsonProblem(nested(defaultJsonLimits.maxDepth + 1))).toEqual({
      path: `[0]`.repeat(defaultJsonLimits.maxDepth),
      message: 'is nested more than 64 levels deep',
    });
    expect(jsonProblem({ a: { b: [1, { c: {} }] } }, { maxDepth: 3, maxNodes: 100 })).toEqual({
      path: 'a.b[1]',
      message: 'is nested more than 3 levels deep',
    });
  });

  it('judges 100,000 levels without overflowing the stack (it does not recurse)', () => {
    expect(jsonProblem(nested(100_000, 'object'))?.message).toBe('is nested more than 64 levels deep');
    expect(jsonProblem(nested(100_000), { maxDepth: 200_000, maxNodes: 1_000_000 })).toBeNull();
  });

  it('refuses U+0000 and lone surrogates in values and keys, naming the field', () => {
    expect(jsonProblem({ note: 'a\u0000b' })).toEqual({ path: 'note', message: expect.stringContaining('U+0000') });
    expect(jsonProblem({ list: ['ok', 'x\uD800'] })).toEqual({ path: 'list[1]', message: expect.stringContaining('surrogate') });
    expect(jsonProblem({ deep: { 'k\u0000': 1 } })).toEqual({
      path: 'deep',
      message: expect.stringMatching(/^has a key that .*U\+0000/),
    });
    expect(jsonProblem('\uDC00tail')?.path).toBe('');
  });

  it('refuses keys that shadow toString or valueOf (a value that cannot become text), naming the object', () => {
    expect(jsonProblem({ reason: { length: { toString: 1 } } })).toEqual({
      path: 'reason.length',
      message: 'has a key that is named "toString", which would shadow the method that turns a value into text',
    });
    expect(jsonProblem([{ valueOf: 'x' }])?.path).toBe('[0]');
    expect(jsonProblem({ toStringish: 1, value: 'toString' })).toBeNull();
  });

  it('refuses more values than the limit', () => {
    expect(
      jsonProblem(
        Array.from({ length: 20 }, () => 1),
        { maxDepth: 5, maxNodes: 10 },
      ),
    ).toEqual({
      path: '',
      message: 'has more than 10 values',
    });
  });
});

describe('stringProblem', () => {
  it('accepts paired surrogates and refuses lone ones in either order', () => {
    expect(stringProblem('😀')).toBeNull();
    expect(stringProblem('\uD83D')).toMatch(/surrogate/);
    expect(stringProblem('\uDE00\uD83D')).toMatch(/surrogate/);
    expect(stringProblem('\u0000')).toMatch(/U\+0000/);
  });
});

describe('fieldOfProblem', () => {
  it('names the field under a root', () => {
    expect(fieldOfProblem('body', { path: 'a.b', message: '' })).toBe('body.a.b');
    expect(fieldOfProblem('input', { path: '[2].x', message: '' })).toBe('input[2].x');
    expect(fieldOfProblem('body', { path: '', message: '' })).toBe('body');
  });
});
