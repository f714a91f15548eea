import type { PrismaClient } from '@conveyor/db';
import type { Runs } from '@conveyor/runs';
import type { ConveyorApp } from '../../types';
import {
  TRIGGER_SECRET_HEADER,
  triggerBodySchema,
  triggerHeadersSchema,
  triggerParamsSchema,
  triggerReplySchema,
} from './triggers.schemas';
import { createTriggersService } from './triggers.service';

/** `POST /hooks/triggers/:triggerId`: start a run from an outside system's webhook call. */
export async function triggersModule(app: ConveyorApp, opts: { prisma: PrismaClient; runs: Runs }) {
  const service = createTriggersService(opts);
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
        idempotencyKey: request.headers['idempotency-key'],
        input: request.body,
      });
      return reply.status(result.created ? 202 : 200).send(result);
    },
  );
}
