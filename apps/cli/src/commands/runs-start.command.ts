import { loadCommonConfig } from '@conveyor/config';
import {
  createRun,
  type DispatchOutcome,
  dispatchRun,
  findWorkflowByNameOrId,
  type PrismaClient,
  type SqlPool,
} from '@conveyor/db';
import { assertNever, ConveyorError } from '@conveyor/errors';
import { createProducers } from '@conveyor/queue';
import { type Command, isUuid, jsonObjectOption, parseCommand } from '../args';
import { createOutput } from '../output';
import { DEFAULT_TENANT, findTenant, withDatabase, withRedis } from '../resources';

const spec = {
  positionals: ['workflow'],
  options: {
    tenant: { type: 'string', default: DEFAULT_TENANT },
    input: { type: 'string' },
    'idempotency-key': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
} as const;

/**
 * `conveyor runs start`: inserts a PENDING run and dispatches it exactly as the api does for
 * Hasura's insert event — the guarded PENDING → QUEUED update, then the run job.
 */
export const runsStartCommand: Command = {
  name: 'runs start',
  usage: `Usage: conveyor runs start <workflow> [--tenant <slug>] [--input @file.json | --input '<json>'] [--idempotency-key <key>] [--json]

Inserts a run of <workflow> (its name or id in the tenant) and dispatches it: PENDING → QUEUED,
pinning the workflow's current version, then the run job on the "runs" queue.

Options:
  --tenant <slug>          tenant (default: ${DEFAULT_TENANT})
  --input <json>|@<file>   run input, a JSON object inline or read from a file (default: {})
  --idempotency-key <key>  the same key again answers the run it started instead of a new one
  --json                   print {"runId", "status", "created", ...} as JSON

Exit codes: 0 the run is dispatched, 1 it could not be (unknown workflow, inactive, no published
version, a service down), 2 bad arguments.`,

  async run(argv) {
    const { values, positionals } = parseCommand(argv, spec);
    const input = (await jsonObjectOption('--input', values.input)) ?? {};
    const out = createOutput({ json: values.json });
    const config = loadCommonConfig();

    // Redis is checked first, so that a queue outage fails before anything is written.
    const result = await withRedis(config, (connection) =>
      withDatabase(config, async ({ prisma, pool }) => {
        const producers = createProducers({ connection, prefix: config.redis.queuePrefix });
        try {
          const tenant = await findTenant(prisma, values.tenant);
          const workflow = await findWorkflow(prisma, tenant, positionals.workflow);
          const { runId, created } = await createRun(prisma, {
            tenantId: tenant.id,
            workflowId: workflow.id,
            input,
            idempotencyKey: values['idempotency-key'],
          });
          const outcome = await dispatch(pool, producers, { tenantId: tenant.id, runId });
          return { tenant: tenant.slug, workflow, runId, created, outcome };
        } finally {
          await producers.close();
        }
      }),
    );

    const { status, reason } = describe(result.outcome);
    const summary = {
      runId: result.runId,
      status,
      created: result.created,
      tenant: result.tenant,
      workflowId: result.workflow.id,
      workflow: result.workflow.name,
      ...(reason ? { reason } : {}),
    };
    if (out.json) out.data(summary);
    else {
      out.text(
        `run ${summary.runId} ${status}${result.created ? '' : ' (already started with this idempotency key)'}` +
          `${reason ? `: ${reason}` : ''}`,
      );
      out.note(`watch it with: conveyor runs watch ${summary.runId} --tenant ${summary.tenant}`);
    }
    // Exit 1 when this dispatch failed the run; a repeated start of a run that later failed still succeeded.
    return result.outcome.kind === 'failed' ? 1 : 0;
  },
};

/** The same outcome handling as the api's runs.service `dispatch`. */
async function dispatch(
  pool: SqlPool,
  producers: ReturnType<typeof createProducers>,
  ref: { tenantId: string; runId: string },
): Promise<DispatchOutcome> {
  const outcome = await dispatchRun(pool, ref);
  const needsJob = outcome.kind === 'queued' || (outcome.kind === 'already-dispatched' && outcome.status === 'QUEUED');
  if (needsJob) {
    try {
      await producers.enqueueRun(ref);
    } catch (cause) {
      throw new ConveyorError({
        code: 'DEPENDENCY_UNAVAILABLE',
        message:
          `run ${ref.runId} is QUEUED but its job could not be added (${(cause as Error).message}); ` +
          'the reconciler adds it later, or start it again with the same --idempotency-key',
        cause,
      });
    }
  }
  return outcome;
}

async function findWorkflow(prisma: PrismaClient, tenant: { id: string; slug: string }, nameOrId: string) {
  const workflow = await findWorkflowByNameOrId(prisma, tenant.id, {
    name: nameOrId,
    id: isUuid(nameOrId) ? nameOrId.toLowerCase() : undefined,
  });
  if (!workflow) {
    throw new ConveyorError({
      code: 'NOT_FOUND',
      message: `workflow "${nameOrId}" not found in tenant "${tenant.slug}"`,
      details: { workflow: nameOrId, tenant: tenant.slug },
    });
  }
  return workflow;
}

function describe(outcome: DispatchOutcome): { status: string; reason?: string } {
  switch (outcome.kind) {
    case 'queued':
      return { status: 'QUEUED' };
    case 'already-dispatched':
      return { status: outcome.status };
    case 'failed':
      return { status: 'FAILED', reason: outcome.reason };
    case 'missing':
      // The row was inserted a moment ago; only a concurrent delete explains this.
      throw new ConveyorError({ code: 'NOT_FOUND', message: 'the run disappeared before it could be dispatched' });
    default:
      return assertNever(outcome, 'dispatch outcome');
  }
}
