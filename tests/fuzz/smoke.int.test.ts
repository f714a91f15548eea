import { describe, expect, it } from 'vitest';
import { memoryBounded, runFuzz } from '../../fuzz/suite';

// The fuzz suite in small (`npm run fuzz` is the full one, ≥ 10,000 requests per surface): 200 generated
// requests per HTTP surface of the api and the board, one in ten over a real socket, on real services.

describe('fuzz smoke', () => {
  it('answers no request with a 5xx, leaves none unanswered, crashes nothing and keeps memory bounded', async () => {
    const seed = 13;
    const report = await runFuzz({ runs: 200, seed, socketEvery: 10 });
    const failures = report.surfaces.filter((surface) => surface.errors5xx > 0 || surface.noAnswer > 0);
    expect(
      failures.map(({ surface, errors5xx, noAnswer, examples }) => ({ surface, errors5xx, noAnswer, examples })),
      `seed ${seed}`,
    ).toEqual([]);
    expect(report.surfaces.length).toBeGreaterThanOrEqual(31);
    expect(report.surfaces.every((surface) => surface.requests === 200)).toBe(true);
    expect(report.unhandled).toEqual([]);
    expect(memoryBounded(report), JSON.stringify({ rss: report.rssMb, heapAfterGc: report.heapAfterGcMb })).toBe(true);
  }, 120_000);
});
