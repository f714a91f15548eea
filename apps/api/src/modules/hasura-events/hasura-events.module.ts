import type { Runs } from '@conveyor/runs';
import { requireHookSecret } from '../../plugins/shared-secret';
import type { ConveyorApp } from '../../types';
import { hasuraEventBodySchema, hasuraEventReplySchema } from './hasura-events.schemas';
import { createHasuraEventsService } from './hasura-events.service';

/** `POST /hooks/hasura/events`: Hasura's event triggers, behind the shared secret. */
export async function hasuraEventsModule(app: ConveyorApp, opts: { hookSecret: string; runs: Runs }) {
  const service = createHasuraEventsService({ runs: opts.runs });
  app.post(
    '/hooks/hasura/events',
    {
      onRequest: requireHookSecret(opts.hookSecret),
      schema: { body: hasuraEventBodySchema, response: { 200: hasuraEventReplySchema } },
    },
    async (request) => service.handle(request.body, request.log),
  );
}
