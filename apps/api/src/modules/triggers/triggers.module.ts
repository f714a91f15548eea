import type { SqlPool } from '@conveyor/db';
import type { BacklogBound, Runs } from '@conveyor/runs';
import type { Keyring } from '@conveyor/secrets';
import type { FastifyRequest } from 'fastify';
import type { ConveyorApp } from '../../types';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature';
import {
  TRIGGER_SECRET_HEADER,
  triggerBodySchema,
  triggerHeadersSchema,
  triggerParamsSchema,
  triggerReplySchema,
} from './triggers.schemas';
import { createTriggersService } from './triggers.service';

/** The body exactly as sent, kept for signature checks (this module's JSON parser sets it). */
const rawBodies = new WeakMap<FastifyRequest, string>();

/**
 * `POST /hooks/triggers/:triggerId`: start a run from an outside system's webhook call (202), or, for a
 * debounced trigger, collapse the call into the open run of its window (202, `debounced`); 200 for a
 * repeated Idempotency-Key; 429 with Retry-After while the tenant has `admission.maxBacklog` runs not yet finished.
 */
export async function triggersModule(
  app: ConveyorApp,
  opts: { pool: SqlPool; runs: Runs; keyring: Keyring; admission: BacklogBound },
) {
  const service = createTriggersService(opts);
  // Fastify's own JSON parsing, once the raw text is kept: a signature is over the bytes as sent.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    rawBodies.set(request, body as string);
    parseJson(request, body as string, done);
  });
  app.post(
    '/hooks/triggers/:triggerId',
    {
      schema: {
        params: triggerParamsSchema,
        headers: triggerHeadersSchema,
        body: triggerBodySchema,
        response: { 200: triggerReplySchema, 202: triggerReplySchema },
      },
    },
    async (request, reply) => {
      const result = await service.fireWebhook({
        triggerId: request.params.triggerId,
        secret: request.headers[TRIGGER_SECRET_HEADER],
        signature: request.headers[SIGNATURE_HEADER],
        timestamp: request.headers[TIMESTAMP_HEADER],
        rawBody: rawBodies.get(request) ?? '',
        idempotencyKey: request.headers['idempotency-key'],
        input: request.body,
      });
      return reply.status(result.created || result.debounced ? 202 : 200).send(result);
    },
  );
}
