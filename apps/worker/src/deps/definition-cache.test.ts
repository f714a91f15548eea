import { describe, expect, it } from 'vitest';
import { createDefinitionCache } from './definition-cache';

const definition = (padding: number) => ({
  steps: [{ key: 'a', action: { app: 'core', version: '1', key: 'transform' }, input: { value: 'x'.repeat(padding) } }],
});

describe('definition cache', () => {
  it('keeps its entries within the byte budget, forgetting the oldest first', () => {
    const cache = createDefinitionCache({ maxEntries: 100, maxBytes: 10_000 });
    for (let i = 0; i < 10; i += 1) cache.get(`v${i}`, definition(3_000));
    expect(cache.size().bytes).toBeLessThanOrEqual(10_000);
    expect(cache.size().entries).toBe(3);
    expect(cache.peek('v9')).toBeDefined();
    expect(cache.peek('v0')).toBeUndefined();
  });

  it('keeps at most maxEntries, and parses without keeping a definition larger than the whole budget', () => {
    const cache = createDefinitionCache({ maxEntries: 2, maxBytes: 10_000 });
    for (let i = 0; i < 5; i += 1) cache.get(`v${i}`, definition(10));
    expect(cache.size().entries).toBe(2);
    expect(cache.get('huge', definition(20_000)).steps).toHaveLength(1);
    expect(cache.peek('huge')).toBeUndefined();
    expect(cache.size().entries).toBe(2);
  });
});
