/**
 * The closed catalogue of Conveyor error codes. Each code says how an HTTP edge answers it and
 * whether a job that hit it should be retried.
 */
export const errorCodes = {
  VALIDATION_FAILED: { httpStatus: 400, retryable: false },
  UNAUTHORIZED: { httpStatus: 401, retryable: false },
  FORBIDDEN: { httpStatus: 403, retryable: false },
  NOT_FOUND: { httpStatus: 404, retryable: false },
  CONFLICT: { httpStatus: 409, retryable: false },
  /** A payload over its size budget (a request body, a run input, a step output, a definition): retrying cannot help. */
  PAYLOAD_TOO_LARGE: { httpStatus: 413, retryable: false },
  /** A request body in a content type the route does not read (the api reads JSON). */
  UNSUPPORTED_MEDIA_TYPE: { httpStatus: 415, retryable: false },
  /** Too many requests or open streams from one caller (or in total): retry later. */
  RATE_LIMITED: { httpStatus: 429, retryable: true },
  INVALID_CONFIG: { httpStatus: 500, retryable: false },
  DEPENDENCY_UNAVAILABLE: { httpStatus: 503, retryable: true },
  MIGRATION_FAILED: { httpStatus: 500, retryable: false },
  INTERNAL: { httpStatus: 500, retryable: false },
} as const satisfies Record<string, { httpStatus: number; retryable: boolean }>;

export type ErrorCode = keyof typeof errorCodes;

/**
 * The closed catalogue of the codes a failed step or run records (StepRun.error, attemptErrors,
 * WorkflowRun.error), besides the error codes above, which an action or a ConveyorError may carry
 * into a step's error. `retryable` says whether another attempt of the step may help.
 */
export const failureCodes = {
  /** The action threw something that is not a ConveyorError: assumed transient. */
  ACTION_FAILED: { retryable: true },
  STEP_TIMEOUT: { retryable: true },
  /** A template ran past its evaluation time limit, which a busy machine can cause as well as the expression. */
  EXPRESSION_TIMEOUT: { retryable: true },
  /** A template exhausted the memory of its expression process, or a size limit of the runtime. */
  EXPRESSION_LIMIT: { retryable: false },
  /** The worker running the attempt died; the attempt was run again. */
  WORKER_LOST: { retryable: true },
  /** The step's key is not in the run's pinned definition. */
  UNKNOWN_STEP: { retryable: false },
  /** A step that was waiting or running when its run ended, or a run cancelled by a user. */
  CANCELLED: { retryable: false },
  /** A step planning skipped, or whose `if` was false. */
  SKIPPED: { retryable: false },
  /** A run some of whose steps failed. */
  STEP_FAILED: { retryable: false },
  /** A run that outlived its `timeoutMs`. */
  RUN_TIMEOUT: { retryable: false },
  /** A run whose workflow was missing, inactive or unpublished when it was dispatched. */
  WORKFLOW_UNAVAILABLE: { retryable: false },
  /** A run whose pinned definition no longer parses. */
  INVALID_DEFINITION: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

/** What a step or run failure may be recorded as: a failure code, or an error code an action raised. */
export type FailureCode = keyof typeof failureCodes | ErrorCode;

/** Whether another attempt may help after a failure with this code. */
export function isRetryableFailure(code: FailureCode): boolean {
  return code in failureCodes
    ? failureCodes[code as keyof typeof failureCodes].retryable
    : errorCodes[code as ErrorCode].retryable;
}
