import { findRunnableVersion, getRunDepth, type RunRef } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import type { RunsDeps } from './deps';
import { serverIdempotencyKey } from './idempotency-keys';
import { start } from './start';

/** How deep runs may start child runs: a run started otherwise is 0 deep, its children 1, and so on. */
export const MAX_RUN_DEPTH = 5;

/**
 * The child run a runWorkflow step starts: a run of the tenant's workflow (`version`, else its current
 * one), its parent and step recorded, one per step whatever its attempts (idempotent by the step).
 * NOT_FOUND for a workflow or version the tenant does not have; VALIDATION_FAILED past MAX_RUN_DEPTH.
 */
export async function startChild(
  deps: Pick<RunsDeps, 'pool' | 'producers' | 'metrics'>,
  parent: RunRef & { stepRunId: string },
  child: { workflowId: string; version?: number | undefined; input: unknown },
): Promise<{ runId: string }> {
  const { tenantId } = parent;
  const depth = await getRunDepth(deps.pool, parent);
  if (depth >= MAX_RUN_DEPTH) {
    throw new ConveyorError({
      code: 'VALIDATION_FAILED',
      message: `runWorkflow: runs start child runs at most ${MAX_RUN_DEPTH} deep, and this run is ${depth} deep`,
      details: { depth, maxDepth: MAX_RUN_DEPTH },
    });
  }
  const workflowVersionId = await findRunnableVersion(deps.pool, { tenantId, ...child });
  if (!workflowVersionId) {
    const what = child.version === undefined ? 'a published version' : `version ${child.version}`;
    throw new ConveyorError({
      code: 'NOT_FOUND',
      message: `runWorkflow: the tenant has no active workflow ${child.workflowId} with ${what}`,
      details: { workflowId: child.workflowId, version: child.version },
    });
  }
  const started = await start(deps, {
    tenantId,
    workflowId: child.workflowId,
    input: child.input,
    idempotencyKey: serverIdempotencyKey.child(parent.stepRunId),
    workflowVersionId,
    parent: { runId: parent.runId, stepRunId: parent.stepRunId },
  });
  return { runId: started.runId };
}
