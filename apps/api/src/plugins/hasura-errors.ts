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

/**
 * Input-validation webhooks: `{ message }`, which Hasura forwards only with a 400 (any other answer is
 * an internal error to the client), so every client mistake is a 400 here — a body too large or in
 * the wrong type included; 401 and 429 stay, they are Hasura's configuration, not the client's input.
 */
export function validationRefusalHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const { status, message } = failureOf(error, request.log);
  const forwarded = status >= 400 && status < 500 && status !== 401 && status !== 429 ? 400 : status;
  return reply.status(forwarded).send({ message });
}
