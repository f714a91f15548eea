import { ConveyorError, type ErrorCode } from '@conveyor/errors';

/**
 * The error an action throws on purpose. Unlike a plain `ConveyorError`, whose retryability comes
 * from its code's row in the catalogue, an action error says explicitly whether a retry can help
 * (`retryable`), and the `kind` says what went wrong. Both are copied into `details`, so they
 * survive `toJSON()` when the worker records the failure.
 *
 * Readers should use `error.retryable` (or `isRetryableActionError`), never `errorCodes[code]`:
 * the code is a coarse category for HTTP edges, the flag is the decision.
 */
export class ActionError extends ConveyorError {
  readonly kind: ActionErrorKind;
  readonly #retryable: boolean;

  constructor({ kind = 'failed', message, retryable, code, cause, details = {} }: ActionErrorOptions) {
    super({ code: code ?? defaultCodes[kind], message, cause, details: { ...details, kind, retryable } });
    this.name = 'ActionError';
    this.kind = kind;
    this.#retryable = retryable;
  }

  override get retryable(): boolean {
    return this.#retryable;
  }
}

/**
 * Thrown when `ctx.signal` aborted the action: the step timed out or the run was cancelled. The
 * worker aborts with a `TimeoutError` reason (`AbortSignal.timeout()` or
 * `new DOMException(msg, 'TimeoutError')`) for a step timeout, anything else for a cancellation;
 * `timedOut` and `retryable` follow from that.
 */
export class ActionAbortedError extends ActionError {
  readonly timedOut: boolean;
  readonly reason: unknown;

  constructor(reason: unknown) {
    const timedOut = isTimeoutReason(reason);
    super({
      kind: 'aborted',
      message: timedOut ? 'step timed out' : 'step was cancelled',
      retryable: timedOut,
      code: timedOut ? 'DEPENDENCY_UNAVAILABLE' : 'CONFLICT',
      cause: reason,
      details: { timedOut, reason: describeReason(reason) },
    });
    this.name = 'ActionAbortedError';
    this.timedOut = timedOut;
    this.reason = reason;
  }
}

/** Whether a retry may help. Action and Conveyor errors say so; anything else is assumed transient. */
export function isRetryableActionError(error: unknown): boolean {
  return error instanceof ConveyorError ? error.retryable : true;
}

/** True when the action stopped because `ctx.signal` aborted (step timeout or run cancellation). */
export function isActionAbortedError(error: unknown): error is ActionAbortedError {
  return error instanceof ActionAbortedError;
}

/** Throws `ActionAbortedError` when the signal has already aborted. */
export function throwIfActionAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new ActionAbortedError(signal.reason);
}

function isTimeoutReason(reason: unknown): boolean {
  return reason instanceof Error || reason instanceof DOMException ? reason.name === 'TimeoutError' : false;
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error || reason instanceof DOMException) return `${reason.name}: ${reason.message}`;
  return String(reason);
}

const defaultCodes = {
  input: 'VALIDATION_FAILED',
  config: 'INVALID_CONFIG',
  destination_refused: 'FORBIDDEN',
  http_status: 'DEPENDENCY_UNAVAILABLE',
  network: 'DEPENDENCY_UNAVAILABLE',
  timeout: 'DEPENDENCY_UNAVAILABLE',
  aborted: 'CONFLICT',
  response_too_large: 'VALIDATION_FAILED',
  response_invalid: 'VALIDATION_FAILED',
  failed: 'INTERNAL',
} as const satisfies Record<string, ErrorCode>;

/** What went wrong, closed: the worker and the UI may switch on it. */
export type ActionErrorKind = keyof typeof defaultCodes;

export interface ActionErrorOptions {
  /** Defaults to `failed` (an action-specific failure). */
  kind?: ActionErrorKind;
  message: string;
  retryable: boolean;
  /** Overrides the kind's default catalogue code. */
  code?: ErrorCode;
  cause?: unknown;
  details?: Record<string, unknown>;
}
