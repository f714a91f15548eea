import type { Action, ActionContext, ActionResult } from './action';
import { ActionAbortedError, throwIfActionAborted } from './action-error';
import { parseInput } from './registry';

/**
 * What the step processor calls: validates the raw (templated) input, executes the action, and
 * settles with `ActionAbortedError` as soon as `ctx.signal` aborts, even when the action ignores
 * its signal (its late result is then dropped). Errors other than aborts pass through unchanged.
 */
export async function runAction<I>(action: Action<I>, rawInput: unknown, ctx: ActionContext): Promise<ActionResult> {
  throwIfActionAborted(ctx.signal);
  const input = parseInput(action, rawInput);
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ActionAbortedError(ctx.signal.reason));
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([action.execute(input, ctx), aborted]);
  } catch (error) {
    if (ctx.signal.aborted && !(error instanceof ActionAbortedError)) throw new ActionAbortedError(ctx.signal.reason);
    throw error;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
}
