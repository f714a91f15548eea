import { isActionAbortedError, isRetryableActionError } from '@conveyor/actions';
import type { StepError, StepOutcome } from '@conveyor/db';
import { isConveyorError, isRetryableFailure } from '@conveyor/errors';
import { redactText } from '@conveyor/logs';

/** A failure recorded as the step's outcome at once (no attempt ran), its retryable flag from the catalogue. */
export function finalFailure(code: StepError['code'], message: string, attempt: number): StepOutcome {
  return { status: 'FAILED', error: { code, message, attempt, retryable: isRetryableFailure(code) } };
}

/** What an attempt's failure is recorded as; template and input errors are never retried. */
export function toStepError(error: unknown, attempt: number): StepError {
  if (isActionAbortedError(error) && error.timedOut) {
    return {
      code: 'STEP_TIMEOUT',
      message: describeTimeout(error.reason),
      attempt,
      retryable: isRetryableFailure('STEP_TIMEOUT'),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  const expressionCode = expressionFailure(error);
  if (isConveyorError(error) && expressionCode) {
    return { code: expressionCode, message, attempt, retryable: isRetryableFailure(expressionCode), details: error.details };
  }
  const code = isConveyorError(error) ? error.code : 'ACTION_FAILED';
  const details = isConveyorError(error) ? error.details : {};
  return { code, message, attempt, retryable: isRetryableActionError(error), details };
}

/** What BullMQ keeps of a failed attempt (its failure reason and stack trace), redacted. */
export function redactedError(error: unknown, message: string, secretValues: readonly string[]): Error {
  const copy = new Error(message);
  if (error instanceof Error) {
    copy.name = error.name;
    if (error.stack) copy.stack = redactText(error.stack, secretValues);
  }
  return copy;
}

/** A template that ran out of its time or its memory; other template problems stay VALIDATION_FAILED. */
function expressionFailure(error: unknown): 'EXPRESSION_TIMEOUT' | 'EXPRESSION_LIMIT' | undefined {
  if (!isConveyorError(error)) return undefined;
  if (error.details.timedOut === true) return 'EXPRESSION_TIMEOUT';
  return error.details.outOfMemory === true ? 'EXPRESSION_LIMIT' : undefined;
}

function describeTimeout(reason: unknown): string {
  return reason instanceof Error || reason instanceof DOMException ? reason.message : 'step timed out';
}
