import { getRunView, getWorkflowStats, getWorkflowView, listRuns, listWorkflows, type SqlPool } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import { redactValue } from '@conveyor/logs';
import type { ConveyorApp } from '../../types';
import { type AuthDeps, authenticate, callerOf } from '../auth/authenticate';
import { type RunsQuery, runPageSchema, runParamsSchema, runsQuerySchema, runViewSchema } from './runs.schemas';
import {
  workflowListSchema,
  workflowParamsSchema,
  workflowStatsSchema,
  workflowsQuerySchema,
  workflowViewSchema,
} from './workflows.schemas';

/**
 * What the console reads, for members and API keys with `runs:read`: `GET /v1/runs` (the caller's tenant's
 * runs, newest first, filtered, in keyset pages), `GET /v1/runs/:runId` (one run with its steps, their waits
 * and item counts, and its pinned definition), `GET /v1/workflows`, `GET /v1/workflows/:workflowId` (its
 * versions with their definitions, its triggers) and `GET /v1/workflows/:workflowId/stats` (its latest runs by
 * outcome, their durations' percentiles, and those runs). Another tenant's run or workflow is "not found".
 */
export async function readsModule(app: ConveyorApp, opts: { pool: SqlPool; auth: AuthDeps }) {
  app.addHook('preHandler', authenticate(opts.auth, { scope: 'runs:read' }));

  app.get('/v1/runs', { schema: { querystring: runsQuerySchema, response: { 200: runPageSchema } } }, async (request) => {
    const query = request.query;
    const runs = await listRuns(opts.pool, {
      tenantId: callerOf(request).tenantId,
      status: query.status,
      workflowId: query.workflowId,
      triggerId: query.triggerId,
      from: query.from,
      to: query.to,
      search: query.q,
      limit: query.limit + 1,
      before: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    });
    const page = runs.slice(0, query.limit);
    const last = page.at(-1);
    return { runs: page, nextCursor: runs.length > query.limit && last ? encodeCursor(last) : null };
  });

  app.get(
    '/v1/workflows',
    { schema: { querystring: workflowsQuerySchema, response: { 200: workflowListSchema } } },
    async (request) => ({
      workflows: await listWorkflows(opts.pool, { tenantId: callerOf(request).tenantId, limit: request.query.limit }),
    }),
  );

  app.get(
    '/v1/workflows/:workflowId',
    { schema: { params: workflowParamsSchema, response: { 200: workflowViewSchema } } },
    async (request) => {
      const { workflowId } = request.params;
      const workflow = await getWorkflowView(opts.pool, { tenantId: callerOf(request).tenantId, workflowId });
      if (!workflow) throw workflowNotFound(workflowId);
      return workflow;
    },
  );

  app.get(
    '/v1/workflows/:workflowId/stats',
    { schema: { params: workflowParamsSchema, response: { 200: workflowStatsSchema } } },
    async (request) => {
      const { workflowId } = request.params;
      const stats = await getWorkflowStats(opts.pool, { tenantId: callerOf(request).tenantId, workflowId });
      if (!stats) throw workflowNotFound(workflowId);
      return stats;
    },
  );

  app.get('/v1/runs/:runId', { schema: { params: runParamsSchema, response: { 200: runViewSchema } } }, async (request) => {
    const { runId } = request.params;
    const run = await getRunView(opts.pool, { tenantId: callerOf(request).tenantId, runId });
    if (!run) throw new ConveyorError({ code: 'NOT_FOUND', message: `run ${runId} not found`, details: { runId } });
    return redacted(run);
  });
}

function workflowNotFound(workflowId: string): ConveyorError {
  return new ConveyorError({ code: 'NOT_FOUND', message: `workflow ${workflowId} not found`, details: { workflowId } });
}

/**
 * What a run shows redacted as its execution log lines are stored: values under secret-looking keys
 * (authorization, token, cookie, password, api key…) in its input, output and error, and in each step's
 * output, error and earlier attempts' errors. The stored rows keep them: a later step may read an output.
 */
function redacted<R extends NonNullable<Awaited<ReturnType<typeof getRunView>>>>(run: R): R {
  const hide = (value: unknown) => redactValue(value, []);
  return {
    ...run,
    input: hide(run.input),
    output: hide(run.output),
    error: hide(run.error),
    steps: run.steps.map((step) => ({
      ...step,
      output: hide(step.output),
      error: hide(step.error),
      attemptErrors: hide(step.attemptErrors),
    })),
  };
}

/** A page's cursor: the last run's creation time and id, opaque to the caller. */
function encodeCursor(run: { createdAt: Date; id: string }): string {
  return Buffer.from(JSON.stringify([run.createdAt.toISOString(), run.id])).toString('base64url');
}

function decodeCursor(cursor: RunsQuery['cursor'] & string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const createdAt = new Date(String(at));
    if (typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) && !Number.isNaN(createdAt.getTime())) return { createdAt, id };
  } catch {
    // answered below
  }
  throw new ConveyorError({
    code: 'VALIDATION_FAILED',
    message: 'querystring.cursor: not a cursor of this list',
    details: { field: 'querystring.cursor' },
  });
}
