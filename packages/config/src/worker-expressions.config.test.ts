import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from './index';

describe('worker config: expressions', () => {
  it('defaults to a 1 s budget, 2 processes of 128 MB and 4 MiB of results', () => {
    expect(loadWorkerConfig({}).expressions).toEqual({
      budgetMs: 1_000,
      processes: 2,
      maxHeapMb: 128,
      maxResultBytes: 4_194_304,
    });
  });

  it('reads the settings and refuses a bad one, naming it', () => {
    const env = {
      EXPRESSION_BUDGET_MS: '500',
      EXPRESSION_PROCESSES: '4',
      EXPRESSION_MAX_HEAP_MB: '256',
      EXPRESSION_MAX_RESULT_BYTES: '1024',
    };
    expect(loadWorkerConfig(env).expressions).toEqual({ budgetMs: 500, processes: 4, maxHeapMb: 256, maxResultBytes: 1024 });
    for (const [name, value] of [
      ['EXPRESSION_BUDGET_MS', '0'],
      ['EXPRESSION_PROCESSES', '65'],
      ['EXPRESSION_MAX_HEAP_MB', '8'],
    ]) {
      expect(() => loadWorkerConfig({ [name as string]: value })).toThrow(name);
    }
  });
});
