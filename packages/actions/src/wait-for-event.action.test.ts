import { describe, expect, it } from 'vitest';
import { createTestContext } from '../test/test-context';
import { runAction } from './run-action';
import { waitForEventAction } from './wait-for-event.action';

const input = { event: 'order.approved', key: 'o-1', timeoutMs: 60_000 };

describe('waitForEvent', () => {
  it('asks to wait for its event, until its timeout', async () => {
    const { ctx } = createTestContext();
    const result = await runAction(waitForEventAction, input, { ...ctx, now: () => 1_000 });
    expect(result).toEqual({ kind: 'waitForEvent', event: 'order.approved', key: 'o-1', untilEpochMs: 61_000 });
  });

  it('outputs the payload of the event that came', async () => {
    const { ctx } = createTestContext();
    const resumed = { ...ctx, resume: { waitedUntil: 1, event: { payload: { by: 'ada' } } } };
    expect(await runAction(waitForEventAction, input, resumed)).toEqual({ kind: 'output', output: { by: 'ada' } });
  });

  it('waits again until the same time when woken early, and times out by its onTimeout once expired', async () => {
    const { ctx } = createTestContext();
    const early = { ...ctx, resume: { waitedUntil: 123_456, expired: false } };
    expect(await runAction(waitForEventAction, input, early)).toMatchObject({ kind: 'waitForEvent', untilEpochMs: 123_456 });
    const expired = { ...ctx, resume: { waitedUntil: 1, expired: true } };
    await expect(runAction(waitForEventAction, input, expired)).rejects.toThrow('no event "order.approved" with key "o-1"');
    const continuing = { ...input, onTimeout: 'continue', default: { by: 'nobody' } };
    expect(await runAction(waitForEventAction, continuing, expired)).toEqual({ kind: 'output', output: { by: 'nobody' } });
  });

  it('refuses a timeout past 30 days or under a second, naming the field', async () => {
    const { ctx } = createTestContext();
    await expect(runAction(waitForEventAction, { ...input, timeoutMs: 500 }, ctx)).rejects.toThrow(/timeoutMs/);
  });
});
