import { describe, expect, it } from 'vitest';
import { createTestContext } from '../test/test-context';
import { runAction } from './run-action';
import { transformAction } from './transform.action';

describe('transform', () => {
  it.each([[{ total: 3, items: ['a'] }], [[1, 2]], ['text'], [0], [null]])(
    'returns its value %j as the output',
    async (value) => {
      const { ctx } = createTestContext();
      expect(await runAction(transformAction, { value }, ctx)).toEqual({ kind: 'output', output: value });
    },
  );

  it('requires value', async () => {
    const { ctx } = createTestContext();
    await expect(runAction(transformAction, {}, ctx)).rejects.toThrow(/^input\.value: /);
  });
});
