import { ConveyorError } from '@conveyor/errors';
import type { RetryPolicy } from './definition.schema';

/**
 * Delay before the attempt that follows attempt number `attemptNumber` (1-based) failed.
 * Exponential doubles from `delayMs` (1×, 2×, 4×, …); both kinds are capped at `maxDelayMs`.
 * Jitter takes off up to that fraction at random (`jitter: 1` is AWS-style "full jitter"), so
 * the cap still holds. `random` is passed in to keep the engine deterministic under test.
 */
export function retryDelayMs(retry: RetryPolicy, attemptNumber: number, random: () => number): number {
  if (!Number.isInteger(attemptNumber) || attemptNumber < 1) {
    throw new ConveyorError({
      code: 'VALIDATION_FAILED',
      message: `attempt number must be a positive integer, got ${attemptNumber}`,
      details: { attemptNumber },
    });
  }
  const base = retry.backoff === 'fixed' ? retry.delayMs : retry.delayMs * 2 ** (attemptNumber - 1);
  const capped = Math.min(base, retry.maxDelayMs);
  const draw = Math.min(Math.max(random(), 0), 1);
  return Math.round(capped * (1 - retry.jitter * draw));
}
