import { ConveyorError } from '@conveyor/errors';
import { remoteTraceContext, withContext } from '@conveyor/observability';
import type { Runs } from '@conveyor/runs';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { requireHookSecret } from '../../plugins/shared-secret';
import type { ConveyorApp } from '../../types';
import {
  type HasuraEventBody,
  type HasuraEventReply,
  hasuraEventBodySchema,
  hasuraEventReplySchema,
  workflowRunRowSchema,
} from './hasura-events.schemas';

/** `POST /hooks/hasura/events`: Hasura's event triggers, behind the shared secret. */
export async function hasuraEventsModule(app: ConveyorApp, opts: { hookSecret: string; runs: Runs }) {
  app.post(
    '/hooks/hasura/events',
    {
      onRequest: requireHookSecret(opts.hookSecret),
      // The payload holds ids and a status only (the run's input is judged when it is inserted, by the
      // run-insert validation hook); refusing an event would only make Hasura retry it.
      config: { judgesJsonItself: true },
      schema: { body: hasuraEventBodySchema, response: { 200: hasuraEventReplySchema } },
    },
    async (request) => handleEvent(opts.runs, request.body, request.log),
  );
}

/** The event triggers Conveyor's metadata defines, by name: a closed table. */
const WORKFLOW_RUN_CREATED = 'workflow_run_created';

/**
 * Routes one event. Deliveries are at-least-once: the event id and the run id make a repeated
 * delivery a no-op that still answers 200, so Hasura stops retrying.
 */
async function handleEvent(runs: Runs, body: HasuraEventBody, log: FastifyBaseLogger): Promise<HasuraEventReply> {
  if (body.trigger.name !== WORKFLOW_RUN_CREATED) {
    throw new ConveyorError({
      code: 'VALIDATION_FAILED',
      message: `trigger.name: unknown event trigger "${body.trigger.name}"`,
      details: { field: 'trigger.name' },
    });
  }
  if (body.table.name !== 'WorkflowRun') {
    throw new ConveyorError({
      code: 'VALIDATION_FAILED',
      message: `table.name: ${WORKFLOW_RUN_CREATED} fires on WorkflowRun, not ${body.table.name}`,
      details: { field: 'table.name' },
    });
  }
  if (body.event.op !== 'INSERT' && body.event.op !== 'MANUAL') {
    return { eventId: body.id, outcome: 'ignored', detail: `op ${body.event.op} is not dispatched` };
  }
  const row = workflowRunRowSchema.safeParse(body.event.data.new);
  if (!row.success) {
    const issue = row.error.issues[0];
    const field = ['event', 'data', 'new', ...(issue?.path ?? [])].join('.');
    throw new ConveyorError({ code: 'VALIDATION_FAILED', message: `${field}: ${issue?.message}`, details: { field } });
  }
  const ref = { tenantId: row.data.tenantId, runId: row.data.id };
  // The dispatch (and so the run) continues Hasura's trace when it sent one, else this request's.
  const outcome = await withContext(hasuraTraceContext(body.event.trace_context), () => runs.dispatch(ref));
  log.info(
    { eventId: body.id, deliveryRetry: body.delivery_info.current_retry, workflowRunId: ref.runId, outcome: outcome.kind },
    'hasura event handled',
  );
  return {
    eventId: body.id,
    outcome: outcome.kind,
    runId: ref.runId,
    ...(outcome.kind === 'failed' ? { detail: outcome.reason } : {}),
  };
}

const traceContextSchema = z.object({ trace_id: z.string(), span_id: z.string() });

/** Hasura's `trace_context` as a parent for the dispatch; absent, null or not ids Conveyor can read: none. */
function hasuraTraceContext(traceContext: unknown) {
  const ids = traceContextSchema.safeParse(traceContext);
  return ids.success ? remoteTraceContext({ traceId: ids.data.trace_id, spanId: ids.data.span_id }) : undefined;
}
