import { describe, expect, it } from 'vitest';
import { createTestContext } from '../test/test-context';
import { approvalAction } from './approval.action';
import { runAction } from './run-action';

const decided = (approved: boolean) => ({ approved, comment: 'why', decidedAt: '2026-11-30T00:00:00.000Z' });

describe('approval', () => {
  it('waits for the platform’s approval event keyed by its own step run', async () => {
    const { ctx } = createTestContext();
    const result = await runAction(approvalAction, {}, { ...ctx, idempotencyKey: 'step-run-1', now: () => 0 });
    expect(result).toEqual({ kind: 'waitForEvent', event: 'conveyor.approval', key: 'step-run-1', untilEpochMs: 604_800_000 });
  });

  it('outputs an approval; fails on a rejection unless onReject is continue; times out by onTimeout', async () => {
    const { ctx } = createTestContext();
    const resumed = (payload: unknown) => ({ ...ctx, resume: { waitedUntil: 1, event: { payload } } });
    expect(await runAction(approvalAction, {}, resumed(decided(true)))).toEqual({ kind: 'output', output: decided(true) });
    await expect(runAction(approvalAction, {}, resumed(decided(false)))).rejects.toThrow('rejected: why');
    expect(await runAction(approvalAction, { onReject: 'continue' }, resumed(decided(false)))).toMatchObject({ kind: 'output' });
    const expired = { ...ctx, resume: { waitedUntil: 1, expired: true } };
    await expect(runAction(approvalAction, { timeoutMs: 5_000 }, expired)).rejects.toThrow('no decision within 5000 ms');
    expect(await runAction(approvalAction, { onTimeout: 'continue', default: 'auto' }, expired)).toEqual({
      kind: 'output',
      output: 'auto',
    });
  });
});
