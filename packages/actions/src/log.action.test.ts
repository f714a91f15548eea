import { describe, expect, it } from 'vitest';
import { createTestContext } from '../test/test-context';
import { logAction } from './log.action';
import { runAction } from './run-action';

describe('log', () => {
  it('writes one line at INFO by default and outputs { logged: true }', async () => {
    const { ctx, lines } = createTestContext();
    expect(await runAction(logAction, { message: 'hello' }, ctx)).toEqual({ kind: 'output', output: { logged: true } });
    expect(lines).toEqual([{ level: 'info', msg: 'hello', context: undefined }]);
  });

  it.each([
    ['DEBUG', 'debug'],
    ['INFO', 'info'],
    ['WARN', 'warn'],
    ['ERROR', 'error'],
  ] as const)('writes %s lines with their context', async (level, method) => {
    const { ctx, lines } = createTestContext();
    await runAction(logAction, { level, message: 'm', context: { orderId: 7 } }, ctx);
    expect(lines).toEqual([{ level: method, msg: 'm', context: { orderId: 7 } }]);
  });

  it('refuses an unknown level', async () => {
    const { ctx } = createTestContext();
    await expect(runAction(logAction, { level: 'TRACE', message: 'm' }, ctx)).rejects.toThrow(/^input\.level: /);
  });
});
