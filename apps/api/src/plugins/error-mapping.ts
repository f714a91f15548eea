import { isDatabaseUnavailable } from '@conveyor/db';
import { formatPath } from '@conveyor/engine';
import { type ErrorCode, isConveyorError } from '@conveyor/errors';
import { isLogStoreUnavailable } from '@conveyor/logs';
import type { FastifyBaseLogger, FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/** What a failed request answers, before a surface renders it in its own shape. */
export interface Failure {
  status: number;
  code: ErrorCode;
  /** Names the field first (`body.input.reason: …`) when there is one. */
  message: string;
  field?: string;
  details: Record<string, unknown>;
}

/** The codes Fastify's own 4xx errors (body parsing, content type, size) are answered with. */
const codeByStatus: Record<number, ErrorCode> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** 5xx bodies are fixed sentences: a driver's or Prisma's text stays in the logs. */
const UNAVAILABLE = {
  status: 503,
  code: 'DEPENDENCY_UNAVAILABLE',
  message: 'a service Conveyor depends on (PostgreSQL, Redis or the log store) is unavailable; retry later',
} as const;
const INTERNAL = { status: 500, code: 'INTERNAL', message: 'internal error' } as const;

/**
 * The one mapping from a thrown error to an answer, for every route and plugin: a client's mistake
 * is a 4xx naming the field, our faults are 503 (a dependency is down) or 500, logged here.
 */
export function failureOf(error: FastifyError, log: FastifyBaseLogger): Failure {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => ({
      field: fieldOf(error.validationContext ?? 'body', issue.instancePath),
      message: issue.message,
    }));
    const message = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
    return { status: 400, code: 'VALIDATION_FAILED', message, field: issues[0]?.field, details: { issues } };
  }
  if (isConveyorError(error) && error.httpStatus < 500) {
    const field = typeof error.details.field === 'string' ? error.details.field : undefined;
    return { status: error.httpStatus, code: error.code, message: error.message, field, details: error.details };
  }
  if (!isConveyorError(error) && error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return fastifyClientError(error);
  }
  const unavailable =
    isDatabaseUnavailable(error) ||
    isLogStoreUnavailable(error) ||
    (isConveyorError(error) && error.code === 'DEPENDENCY_UNAVAILABLE');
  if (unavailable) log.warn({ error }, 'a dependency is unavailable');
  else log.error({ error }, 'unexpected error');
  return { ...(unavailable ? UNAVAILABLE : INTERNAL), details: {} };
}

/** `body.data.input[0].cron`: the engine's path form, as the JSON guard names fields too. */
function fieldOf(context: string, instancePath: string): string {
  const segments = instancePath.split('/').filter(Boolean);
  return formatPath([context, ...segments.map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment))]);
}

/** Fastify's own client errors: a body that is not JSON, empty, too large, of another type, or poisoned. */
function fastifyClientError(error: FastifyError): Failure {
  const status = error.statusCode as number;
  const code = codeByStatus[status] ?? 'VALIDATION_FAILED';
  const field = status === 415 ? 'headers.content-type' : 'body';
  return { status: code === 'VALIDATION_FAILED' ? 400 : status, code, message: `${field}: ${error.message}`, field, details: {} };
}
