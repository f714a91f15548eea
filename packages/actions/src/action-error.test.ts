import { ConveyorError } from '@conveyor/errors';
import { describe, expect, it } from 'vitest';
import {
  ActionAbortedError,
  ActionError,
  isActionAbortedError,
  isRetryableActionError,
  throwIfActionAborted,
} from './action-error';

describe('ActionError', () => {
  it('carries an explicit retryable flag that overrides its code, and serializes it', () => {
    const error = new ActionError({ kind: 'http_status', retryable: false, code: 'DEPENDENCY_UNAVAILABLE', message: '400' });
    expect(error.retryable).toBe(false);
    expect(error).toBeInstanceOf(ConveyorError);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'DEPENDENCY_UNAVAILABLE',
      message: '400',
      details: { kind: 'http_status', retryable: false },
    });
  });

  it('defaults the code from the kind', () => {
    expect(new ActionError({ kind: 'input', retryable: false, message: 'x' }).code).toBe('VALIDATION_FAILED');
    expect(new ActionError({ kind: 'destination_refused', retryable: false, message: 'x' }).code).toBe('FORBIDDEN');
    expect(new ActionError({ retryable: true, message: 'x' })).toMatchObject({
      kind: 'failed',
      code: 'INTERNAL',
      retryable: true,
    });
  });
});

describe('ActionAbortedError', () => {
  it('is a retryable timeout when the reason is a TimeoutError, a cancellation otherwise', () => {
    const timedOut = new ActionAbortedError(new DOMException('step timed out', 'TimeoutError'));
    expect(timedOut).toMatchObject({ kind: 'aborted', timedOut: true, retryable: true, message: 'step timed out' });
    const cancelled = new ActionAbortedError(new Error('cancelled by user'));
    expect(cancelled).toMatchObject({ kind: 'aborted', timedOut: false, retryable: false, message: 'step was cancelled' });
    expect(cancelled.details.reason).toBe('Error: cancelled by user');
    expect(isActionAbortedError(cancelled)).toBe(true);
    expect(isActionAbortedError(new ActionError({ retryable: true, message: 'x' }))).toBe(false);
  });

  it('throwIfActionAborted throws only for an aborted signal', () => {
    expect(() => throwIfActionAborted(new AbortController().signal)).not.toThrow();
    expect(() => throwIfActionAborted(AbortSignal.abort('stop'))).toThrow(ActionAbortedError);
  });
});

describe('isRetryableActionError', () => {
  it('asks action and Conveyor errors, and treats anything else as retryable', () => {
    expect(isRetryableActionError(new ActionError({ retryable: false, message: 'x' }))).toBe(false);
    expect(isRetryableActionError(new ActionError({ retryable: true, message: 'x' }))).toBe(true);
    expect(isRetryableActionError(new ConveyorError({ code: 'NOT_FOUND', message: 'x' }))).toBe(false);
    expect(isRetryableActionError(new ConveyorError({ code: 'DEPENDENCY_UNAVAILABLE', message: 'x' }))).toBe(true);
    expect(isRetryableActionError(new TypeError('x is undefined'))).toBe(true);
    expect(isRetryableActionError('a string')).toBe(true);
  });
});
