import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { failureOf } from './error-mapping';

/**
 * The shared error mapping (error-mapping.ts) in Hasura's shapes. Hasura forwards a 4xx's message
 * to the client and turns a 5xx into an opaque internal error.
 */

/** Actions (hasura-contract §2.3): `{ message, extensions: { code, field?, …details } }`. */
export function actionErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const { status, code, message, field, details } = failureOf(error, request.log);
  const { issues: _issues, ...rest } = details;
  return reply.status(status).send({ message, extensions: { code, ...(field ? { field } : {}), ...rest } });
}

/** Input-validation webhooks: `{ message }`, which Hasura forwards when the status is 400. */
export function validationRefusalHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const { status, message } = failureOf(error, request.log);
  return reply.status(status).send({ message });
}
