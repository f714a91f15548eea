import { z } from 'zod';
import type { ActionResult } from './action';
import { ActionError } from './action-error';

/** What a wait does when its time is up, as the input of waitForEvent and approval says it. */
export const waitTimeoutFields = {
  onTimeout: z.enum(['fail', 'continue']).default('fail').describe('`fail` the step, or `continue` with `default` as its output'),
  default: z.unknown().optional().describe('the output when the wait’s time is up, with onTimeout `continue`'),
};

/** A wait whose time is up: its `default` as the output (`continue`), or a failure saying what did not come. */
export function waitTimedOut(
  input: { onTimeout: 'fail' | 'continue'; default?: unknown },
  message: string,
  details: Record<string, unknown> = {},
): ActionResult {
  if (input.onTimeout === 'continue') return { kind: 'output', output: input.default ?? null };
  throw new ActionError({ kind: 'failed', code: 'CONFLICT', retryable: false, message, details });
}
