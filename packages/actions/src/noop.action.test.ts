import { describe, expect, it } from 'vitest';
import { createTestContext } from '../test/test-context';
import { noopAction } from './noop.action';
import { runAction } from './run-action';

describe('noop', () => {
  it('outputs {} whatever its input', async () => {
    const { ctx } = createTestContext();
    expect(await runAction(noopAction, undefined, ctx)).toEqual({ kind: 'output', output: {} });
    expect(await runAction(noopAction, { anything: 1 }, ctx)).toEqual({ kind: 'output', output: {} });
  });
});
