import { describe, expect, it } from 'vitest';
import { assertNever, ConveyorError, errorCodes, isConveyorError } from './index';

describe('ConveyorError', () => {
  it('takes its status and retryability from the code table', () => {
    const error = new ConveyorError({ code: 'DEPENDENCY_UNAVAILABLE', message: 'redis is down' });
    expect(error.httpStatus).toBe(503);
    expect(error.retryable).toBe(true);
    expect(new ConveyorError({ code: 'NOT_FOUND', message: 'x' }).httpStatus).toBe(404);
  });

  it('keeps cause and details, and serializes without the stack', () => {
    const cause = new Error('boom');
    const error = new ConveyorError({ code: 'CONFLICT', message: 'dup', cause, details: { runId: 'r1' } });
    expect(error.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: 'CONFLICT', message: 'dup', details: { runId: 'r1' } });
    expect(isConveyorError(error)).toBe(true);
    expect(isConveyorError(cause)).toBe(false);
  });

  it('has a status for every code', () => {
    for (const [code, spec] of Object.entries(errorCodes)) {
      expect(spec.httpStatus, code).toBeGreaterThanOrEqual(400);
    }
  });

  it('assertNever throws with what it saw', () => {
    expect(() => assertNever('ODD' as never, 'status')).toThrow('unexpected status: ODD');
  });
});
