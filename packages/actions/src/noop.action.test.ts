import { describe, expect, it } from 'vitest';
import { noopAction } from './noop.action';
import { runAction } from './run-action';
import { createTestContext } from './test-context';

describe('noop', () => {
  it('outputs {} whatever its input', async () => {
    const { ctx } = createTestContext();
    expect(await runAction(noopAction, undefined, ctx)).toEqual({ kind: 'output', output: {} });
    expect(await runAction(noopAction, { anything: 1 }, ctx)).toEqual({ kind: 'output', output: {} });
  });
});
