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
  // One local controller, every listener removed afterwards: AbortSignal.any() would keep each
  // step's signals reachable from the long-lived ones on Node 20 (a leak of a few KB per step).
  const controller = new AbortController();
  const abort = (reason: unknown) => controller.abort(reason);
  const onCancel = () => abort(cancel.reason);
  const timer = setTimeout(() => abort(new StepTimeoutReason(timeoutMs)), timeoutMs);
  if (cancel.aborted) onCancel();
  else cancel.addEventListener('abort', onCancel, { once: true });
  let rejectOnAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    rejectOnAbort = () => reject(controller.signal.reason);
    if (controller.signal.aborted) rejectOnAbort();
    else controller.signal.addEventListener('abort', rejectOnAbort, { once: true });
  });
  try {
    return await Promise.race([action.execute(input, { ...ctx, signal: controller.signal }), aborted]);
  } catch (error) {
    // Whatever the action made of the abort, a fired timeout is reported as the timeout.
    const reason = controller.signal.reason;
    throw reason instanceof StepTimeoutReason ? reason : error;
  } finally {
    clearTimeout(timer);
    cancel.removeEventListener('abort', onCancel);
    if (rejectOnAbort) controller.signal.removeEventListener('abort', rejectOnAbort);
    aborted.catch(() => undefined);
  }
}
