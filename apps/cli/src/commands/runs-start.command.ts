import { loadCommonConfig } from '@conveyor/config';
import { type DispatchOutcome, findWorkflowByNameOrId, type PrismaClient } from '@conveyor/db';
import { assertNever, ConveyorError } from '@conveyor/errors';
import { type Command, isUuid, jsonObjectOption, parseCommand } from '../args';
import { createOutput } from '../output';
import { DEFAULT_TENANT, findTenant, withRuns } from '../resources';

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
 * `conveyor runs start`: inserts a PENDING run and dispatches it through the same run use cases
 * as the api's webhook triggers (@conveyor/runs `start`): the guarded PENDING → QUEUED update, then the run job.
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

    const result = await withRuns(config, async (runs, { prisma }) => {
      const tenant = await findTenant(prisma, values.tenant);
      const workflow = await findWorkflow(prisma, tenant, positionals.workflow);
      const started = await runs.start({
        tenantId: tenant.id,
        workflowId: workflow.id,
        input,
        idempotencyKey: values['idempotency-key'],
      });
      return { tenant: tenant.slug, workflow, ...started };
    });
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
