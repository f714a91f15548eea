import { sizeProblem } from '@conveyor/engine';
import type { Action, ActionContext, ActionResult } from './action';
import { ActionAbortedError, ActionError, throwIfActionAborted } from './action-error';
import { parseInput } from './registry';

/**
 * How a step executes an action: validates the raw (templated) input, then executes it under
 * `ctx.signal` (a cancellation) and, when given, a timeout. The action gets one signal that fires on
 * either; if the action ignores it, the wait still ends at once with `ActionAbortedError` (its late
 * result is dropped), so a stuck action never holds a worker slot past its timeout. Whatever the
 * action made of an abort, the abort is what is reported; other errors pass through unchanged.
 */
export async function runAction<I>(
  action: Action<I>,
  rawInput: unknown,
  ctx: ActionContext,
  { timeoutMs, maxOutputBytes }: { timeoutMs?: number; maxOutputBytes?: number } = {},
): Promise<ActionResult> {
  throwIfActionAborted(ctx.signal);
  const input = parseInput(action, rawInput);
  // One local controller, every listener removed afterwards: AbortSignal.any() would keep each
  // step's signals reachable from the long-lived cancellation signal on Node 20 (a leak per step).
  const controller = new AbortController();
  const { signal } = controller;
  const onCancel = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onCancel, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => controller.abort(new DOMException(`step timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ActionAbortedError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const result = await Promise.race([action.execute(input, { ...ctx, signal }), aborted]);
    if (result.kind === 'output' && maxOutputBytes !== undefined) checkOutputSize(result.output, maxOutputBytes);
    return result;
  } catch (error) {
    if (signal.aborted && !(error instanceof ActionAbortedError)) throw new ActionAbortedError(signal.reason);
    throw error;
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onCancel);
    signal.removeEventListener('abort', onAbort);
    aborted.catch(() => undefined);
  }
}

/** An output over the budget fails its step for good: it would be stored, read back and sent on. */
function checkOutputSize(output: unknown, maxOutputBytes: number): void {
  const problem = sizeProblem('the step output', output, maxOutputBytes);
  if (!problem) return;
  throw new ActionError({
    code: 'PAYLOAD_TOO_LARGE',
    message: `${problem} (STEP_OUTPUT_MAX_BYTES)`,
    retryable: false,
    details: { limitBytes: maxOutputBytes },
  });
}
