import { isConveyorError } from '@conveyor/errors';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { requireHookSecret } from '../../plugins/shared-secret';
import type { ConveyorApp } from '../../types';
import type { RunsService } from '../runs/runs.service';
import {
  actionBodySchema,
  actionErrorSchema,
  cancelRunInputSchema,
  retryRunInputSchema,
  runActionOutputSchema,
} from './hasura-actions.schemas';
import { sessionFrom } from './session';

/**
 * `POST /hooks/hasura/actions/<action>`: Hasura action handlers. Errors use Hasura's action error
 * shape, and a client's mistake is always a 4xx: Hasura turns a 5xx into an opaque "internal error".
 */
export async function hasuraActionsModule(app: ConveyorApp, opts: { hookSecret: string; runs: RunsService }) {
  app.addHook('onRequest', requireHookSecret(opts.hookSecret));
  app.setErrorHandler((error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const first = error.validation[0];
      const field = [error.validationContext, ...(first?.instancePath.split('/').filter(Boolean) ?? [])].join('.');
      return reply.status(400).send({ message: `${field}: ${first?.message}`, extensions: { code: 'VALIDATION_FAILED', field } });
    }
    if (isConveyorError(error) && error.httpStatus < 500) {
      return reply.status(error.httpStatus).send({ message: error.message, extensions: { code: error.code, ...error.details } });
    }
    request.log.error({ error }, 'action handler failed');
    const unavailable = isConveyorError(error) && error.code === 'DEPENDENCY_UNAVAILABLE';
    return reply
      .status(unavailable ? 503 : 500)
      .send({ message: unavailable ? error.message : 'internal error', extensions: { code: 'INTERNAL' } });
  });

  app.post(
    '/hooks/hasura/actions/cancel-workflow-run',
    {
      schema: {
        body: actionBodySchema(cancelRunInputSchema),
        response: { 200: runActionOutputSchema, '4xx': actionErrorSchema },
      },
    },
    async (request) => {
      const { tenantId } = sessionFrom(request.body.session_variables);
      const { runId, reason } = request.body.input;
      const result = await opts.runs.cancel({ tenantId, runId }, reason ?? 'cancelled by user');
      return { ok: true, status: result.status };
    },
  );

  app.post(
    '/hooks/hasura/actions/retry-workflow-run',
    {
      schema: { body: actionBodySchema(retryRunInputSchema), response: { 200: runActionOutputSchema, '4xx': actionErrorSchema } },
    },
    async (request) => {
      const { tenantId } = sessionFrom(request.body.session_variables);
      const result = await opts.runs.retry({ tenantId, runId: request.body.input.runId });
      return { ok: true, status: result.status };
    },
  );
}
