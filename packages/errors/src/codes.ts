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
  INVALID_CONFIG: { httpStatus: 500, retryable: false },
  DEPENDENCY_UNAVAILABLE: { httpStatus: 503, retryable: true },
  MIGRATION_FAILED: { httpStatus: 500, retryable: false },
  INTERNAL: { httpStatus: 500, retryable: false },
} as const satisfies Record<string, { httpStatus: number; retryable: boolean }>;

export type ErrorCode = keyof typeof errorCodes;
