import { isDatabaseUnavailable } from '@conveyor/db';
import { isConveyorError } from '@conveyor/errors';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';

/**
 * One error shape for every route: `{ error: { code, message, details } }`. Client mistakes get
 * a 4xx that names the field; only our own faults are 5xx, and their details stay in the logs.
 */
export const errorHandler = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((issue) => ({
        field: [error.validationContext, ...issue.instancePath.split('/').filter(Boolean)].join('.'),
        message: issue.message,
      }));
      const summary = issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
      return reply.status(400).send({ error: { code: 'VALIDATION_FAILED', message: summary, details: { issues } } });
    }
    if (isConveyorError(error)) {
      if (error.httpStatus >= 500) request.log.error({ error }, 'request failed');
      return reply.status(error.httpStatus).send({ error: error.toJSON() });
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply.status(error.statusCode).send({ error: { code: 'VALIDATION_FAILED', message: error.message, details: {} } });
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ error }, 'database unavailable');
      const message = 'the database (PostgreSQL) is unavailable; retry later';
      return reply.status(503).send({ error: { code: 'DEPENDENCY_UNAVAILABLE', message, details: {} } });
    }
    request.log.error({ error }, 'unexpected error');
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error', details: {} } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}`, details: {} } }),
  );
});
