import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createTestContext } from '../test/test-context';
import { defineAction } from './action';
import { ActionAbortedError, ActionError } from './action-error';
import { runAction } from './run-action';

const stubborn = defineAction({
  ref: { app: 'test', version: '1', key: 'stubborn' },
  name: 'Stubborn',
  description: 'ignores its signal',
  inputSchema: z.object({ ms: z.int() }),
  execute: ({ ms }) => new Promise((resolve) => setTimeout(() => resolve({ kind: 'output', output: 'late' }), ms)),
});

const echo = defineAction({
  ref: { app: 'test', version: '1', key: 'echo' },
  name: 'Echo',
  description: 'outputs a string of the size asked',
  inputSchema: z.object({ size: z.int() }),
  execute: async ({ size }) => ({ kind: 'output', output: { text: 'x'.repeat(size) } }),
});

describe('runAction', () => {
  it('fails for good with PAYLOAD_TOO_LARGE when the output is over its budget, and passes one within it', async () => {
    const { ctx } = createTestContext();
    await expect(runAction(echo, { size: 2_000 }, ctx, { maxOutputBytes: 1_000 })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      retryable: false,
      message: 'the step output is larger than 1000 bytes of JSON (STEP_OUTPUT_MAX_BYTES)',
    });
    expect(await runAction(echo, { size: 900 }, ctx, { maxOutputBytes: 1_000 })).toMatchObject({ kind: 'output' });
  });

  it('validates the input, then executes', async () => {
    const { ctx } = createTestContext();
    expect(await runAction(stubborn, { ms: 1 }, ctx)).toEqual({ kind: 'output', output: 'late' });
    await expect(runAction(stubborn, { ms: 'x' }, ctx)).rejects.toMatchObject({ kind: 'input', retryable: false });
  });

  it('settles with ActionAbortedError when the signal aborts, even if the action ignores it', async () => {
    const controller = new AbortController();
    const { ctx } = createTestContext({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('run cancelled')), 20);
    const started = Date.now();
    await expect(runAction(stubborn, { ms: 5000 }, ctx)).rejects.toBeInstanceOf(ActionAbortedError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not execute when the signal has already aborted', async () => {
    const execute = vi.fn();
    const { ctx } = createTestContext({ signal: AbortSignal.abort(new DOMException('t', 'TimeoutError')) });
    await expect(runAction({ ...stubborn, execute }, { ms: 1 }, ctx)).rejects.toMatchObject({ timedOut: true });
    expect(execute).not.toHaveBeenCalled();
  });

  it('passes other errors through unchanged', async () => {
    const failure = new ActionError({ retryable: false, message: 'no' });
    const { ctx } = createTestContext();
    await expect(runAction({ ...stubborn, execute: () => Promise.reject(failure) }, { ms: 1 }, ctx)).rejects.toBe(failure);
  });
});

describe('runAction under a timeout', () => {
  it('aborts the action with a timeout it reports as such, even if the action ignores its signal', async () => {
    const { ctx } = createTestContext();
    const started = Date.now();
    const error = await runAction(stubborn, { ms: 5000 }, ctx, { timeoutMs: 30 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ActionAbortedError);
    expect(error).toMatchObject({ timedOut: true, retryable: true });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reports a cancellation that comes first as a cancellation, and an action finishing in time as its result', async () => {
    const controller = new AbortController();
    const { ctx } = createTestContext({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('run cancelled')), 10);
    await expect(runAction(stubborn, { ms: 5000 }, ctx, { timeoutMs: 2000 })).rejects.toMatchObject({ timedOut: false });
    const { ctx: calm } = createTestContext();
    expect(await runAction(stubborn, { ms: 1 }, calm, { timeoutMs: 2000 })).toEqual({ kind: 'output', output: 'late' });
  });
});
