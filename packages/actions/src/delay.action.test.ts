import { describe, expect, it } from 'vitest';
import { createTestContext } from '../test/test-context';
import { delayAction, MAX_DELAY_MS } from './delay.action';
import { runAction } from './run-action';

const NOW = Date.parse('2025-01-01T00:00:00.000Z');
const clock = { now: () => NOW };

describe('delay', () => {
  it('asks to wait ms on first execution', async () => {
    const { ctx } = createTestContext(clock);
    expect(await runAction(delayAction, { ms: 60_000 }, ctx)).toEqual({ kind: 'wait', untilEpochMs: NOW + 60_000 });
  });

  it('outputs waitedMs and resumedAt when re-entered after the wait', async () => {
    const later = NOW + 61_500;
    const { ctx } = createTestContext({ now: () => later, resume: { waitedUntil: NOW + 60_000 } });
    expect(await runAction(delayAction, { ms: 60_000 }, ctx)).toEqual({
      kind: 'output',
      output: { waitedMs: 61_500, resumedAt: new Date(later).toISOString() },
    });
  });

  it('outputs at once for ms 0', async () => {
    const { ctx } = createTestContext(clock);
    expect(await runAction(delayAction, { ms: 0 }, ctx)).toEqual({
      kind: 'output',
      output: { waitedMs: 0, resumedAt: new Date(NOW).toISOString() },
    });
  });

  it('waits until an ISO instant, and outputs at once when it has passed', async () => {
    const { ctx } = createTestContext(clock);
    expect(await runAction(delayAction, { until: '2025-01-02T00:00:00+01:00' }, ctx)).toEqual({
      kind: 'wait',
      untilEpochMs: Date.parse('2025-01-01T23:00:00.000Z'),
    });
    expect(await runAction(delayAction, { until: '2024-12-31T00:00:00Z' }, ctx)).toMatchObject({
      kind: 'output',
      output: { waitedMs: 0 },
    });
  });

  it('uses resume.waitStartedAt for waitedMs when the worker gives it', async () => {
    const until = '2025-01-01T01:00:00Z';
    const { ctx } = createTestContext({
      now: () => Date.parse(until) + 200,
      resume: { waitedUntil: Date.parse(until), waitStartedAt: NOW },
    });
    expect(await runAction(delayAction, { until }, ctx)).toMatchObject({ kind: 'output', output: { waitedMs: 3_600_200 } });
  });

  it('waits again when resumed well before the target (clock skew)', async () => {
    const { ctx } = createTestContext({ now: () => NOW, resume: { waitedUntil: NOW + 10_000 } });
    expect(await runAction(delayAction, { ms: 10_000 }, ctx)).toEqual({ kind: 'wait', untilEpochMs: NOW + 10_000 });
  });

  it('refuses bad input: negative, over 30 days, both or neither field, far-future until', async () => {
    const { ctx } = createTestContext(clock);
    await expect(runAction(delayAction, { ms: -1 }, ctx)).rejects.toThrow(/^input\.ms: /);
    await expect(runAction(delayAction, { ms: MAX_DELAY_MS + 1 }, ctx)).rejects.toThrow(/^input\.ms: /);
    await expect(runAction(delayAction, { ms: 1.5 }, ctx)).rejects.toThrow(/^input\.ms: /);
    await expect(runAction(delayAction, {}, ctx)).rejects.toThrow('input: give exactly one of ms or until');
    await expect(runAction(delayAction, { until: 'tomorrow' }, ctx)).rejects.toThrow(/^input\.until: /);
    await expect(runAction(delayAction, { until: '2025-03-01T00:00:00Z' }, ctx)).rejects.toMatchObject({
      kind: 'input',
      retryable: false,
      message: 'input.until: more than 30 days ahead',
    });
  });
});
