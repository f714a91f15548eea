import { isConveyorError } from '@conveyor/errors';
import type { Runs } from '@conveyor/runs';
import type { FastifyError, FastifyRequest } from 'fastify';
import { failureOf } from '../../plugins/error-mapping';
import type { ConveyorApp } from '../../types';
import { type AuthDeps, authenticate, callerOf } from '../auth/authenticate';
import { runParamsSchema } from '../reads/runs.schemas';
import {
  bulkCancelBodySchema,
  bulkResultsSchema,
  bulkRetryBodySchema,
  cancelBodySchema,
  DEFAULT_CANCEL_REASON,
  retryBodySchema,
  runActionOutputSchema,
} from './run-commands.schemas';

/**
 * What a member does to runs from the console (a JWT; API keys are refused with 403), through the same
 * use cases as the cancelWorkflowRun and retryWorkflowRun actions:
 * - `POST /v1/runs/:runId/cancel` `{ reason? }` and `POST /v1/runs/:runId/retry`: `{ ok, status }`; another
 *   tenant's run is 404, a run not in a status it can leave 409;
 * - `POST /v1/runs/cancel` `{ runIds, reason? }` and `POST /v1/runs/retry` `{ runIds }` (1 to 100 distinct ids):
 *   one result per run in the order given, one at a time; a run refused is its result, not the request's.
 */
export async function runCommandsModule(app: ConveyorApp, opts: { runs: Runs; auth: AuthDeps }) {
  const { runs } = opts;
  app.addHook('preHandler', authenticate(opts.auth));

  app.post(
    '/v1/runs/:runId/cancel',
    { schema: { params: runParamsSchema, body: cancelBodySchema, response: { 200: runActionOutputSchema } } },
    async (request) => {
      const ref = { tenantId: callerOf(request).tenantId, runId: request.params.runId };
      return { ok: true, ...(await runs.cancel(ref, request.body?.reason ?? DEFAULT_CANCEL_REASON)) };
    },
  );

  app.post(
    '/v1/runs/:runId/retry',
    { schema: { params: runParamsSchema, body: retryBodySchema, response: { 200: runActionOutputSchema } } },
    async (request) => ({
      ok: true,
      ...(await runs.retry({ tenantId: callerOf(request).tenantId, runId: request.params.runId })),
    }),
  );

  app.post(
    '/v1/runs/cancel',
    { schema: { body: bulkCancelBodySchema, response: { 200: bulkResultsSchema } } },
    async (request) => {
      const { tenantId } = callerOf(request);
      const reason = request.body.reason ?? DEFAULT_CANCEL_REASON;
      return { results: await eachRun(request, request.body.runIds, (runId) => runs.cancel({ tenantId, runId }, reason)) };
    },
  );

  app.post('/v1/runs/retry', { schema: { body: bulkRetryBodySchema, response: { 200: bulkResultsSchema } } }, async (request) => {
    const { tenantId } = callerOf(request);
    return { results: await eachRun(request, request.body.runIds, (runId) => runs.retry({ tenantId, runId })) };
  });
}

/**
 * `command` on each run in turn, and each outcome. A ConveyorError is that run's result, rendered as the
 * error handler would answer it alone (a 5xx as its fixed sentence, logged); anything else is a fault of
 * ours and fails the request.
 */
async function eachRun(request: FastifyRequest, runIds: string[], command: (runId: string) => Promise<{ status: string }>) {
  const results = [];
  for (const runId of runIds) {
    try {
      results.push({ runId, ok: true as const, ...(await command(runId)) });
    } catch (error) {
      if (!isConveyorError(error)) throw error;
      const { code, message } = failureOf(error as unknown as FastifyError, request.log);
      results.push({ runId, ok: false as const, error: { code, message } });
    }
  }
  return results;
}
