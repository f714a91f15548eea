import { type ErrorCode, errorCodes } from './codes';

export interface ConveyorErrorOptions {
  code: ErrorCode;
  message: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

/** The one error type Conveyor throws on purpose; its code decides status and retry. */
export class ConveyorError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor({ code, message, cause, details = {} }: ConveyorErrorOptions) {
    super(message, { cause });
    this.name = 'ConveyorError';
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return errorCodes[this.code].httpStatus;
  }

  get retryable(): boolean {
    return errorCodes[this.code].retryable;
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isConveyorError(error: unknown): error is ConveyorError {
  return error instanceof ConveyorError;
}

/** Exhaustiveness guard for closed unions: a new member is a compile error at every switch. */
export function assertNever(value: never, what = 'value'): never {
  throw new ConveyorError({ code: 'INTERNAL', message: `unexpected ${what}: ${String(value)}` });
}
