import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { failureOf } from './error-mapping';

/**
 * One error shape for every route: `{ error: { code, message, details } }`. Client mistakes get
 * a 4xx that names the field; only our own faults are 5xx, and their details stay in the logs.
 * The Hasura surfaces render the same mapping (error-mapping.ts) in Hasura's shapes. A refusal that
 * says when to come back (`details.retryAfterSeconds`, a 429) carries it as `Retry-After` too.
 */
export const errorHandler = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { status, code, message, details } = failureOf(error, request.log);
    if (typeof details.retryAfterSeconds === 'number') reply.header('retry-after', String(details.retryAfterSeconds));
    return reply.status(status).send({ error: { code, message, details } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}`, details: {} } }),
  );
});
