import type { Action, ActionContext, ActionResult } from '@conveyor/actions';
import { StepTimeoutReason } from './abort-registry';

/**
 * Executes an action under its step timeout. The action gets an AbortSignal that fires on the
 * timeout or on cancellation; if the action ignores it, the race still ends the wait, so a stuck
 * action can never hold a worker slot past its timeout.
 */
export async function runActionWithTimeout(
  action: Action,
  input: unknown,
  ctx: Omit<ActionContext, 'signal'>,
  { timeoutMs, cancel }: { timeoutMs: number; cancel: AbortSignal },
): Promise<ActionResult> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new StepTimeoutReason(timeoutMs)), timeoutMs);
  const signal = AbortSignal.any([cancel, timeout.signal]);
  try {
    return await Promise.race([action.execute(input, { ...ctx, signal }), rejectOnAbort(signal)]);
  } catch (error) {
    // Whatever the action made of the abort, a fired timeout is reported as the timeout.
    throw timeout.signal.aborted ? timeout.signal.reason : error;
  } finally {
    clearTimeout(timer);
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(signal.reason);
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
