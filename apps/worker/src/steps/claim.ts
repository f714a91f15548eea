import {
  claimStep,
  findStepRunningUnderJob,
  finishStep,
  getRunForExecution,
  type RunForExecution,
  type RunRef,
  replanRun,
} from '@conveyor/db';
import type { StepJobData } from '@conveyor/queue';
import { runContextOf } from '@conveyor/runs';
import type { WorkerDeps } from '../deps/worker-deps';
import { prepareStep } from './prepared-step';
import { finalFailure } from './step-errors';
import type { StepInFlight } from './step-in-flight';

/** What a job names: the step it was added for, or the step it carried on with before its worker died. */
interface JobStep {
  tenantId: string;
  runId: string;
  stepRunId: string;
  stepKey?: string | undefined;
  workflowVersionId?: string | undefined;
  resumeAt?: number | undefined;
}

/**
 * The step this job runs, claimed (QUEUED → RUNNING under the job's id); undefined when the job
 * has nothing to run. A job whose step is not waiting for it is a duplicate, a late job, or a job
 * handed out again after its worker died: then it {@link recover}s.
 */
export async function claim(deps: WorkerDeps, jobId: string, data: StepJobData): Promise<StepInFlight | undefined> {
  const claimed = await claimJobStep(deps, jobId, data, false);
  return claimed === NOT_WAITING ? recover(deps, jobId, data) : claimed;
}

export const NOT_WAITING = Symbol('the step is not waiting for this job');

async function claimJobStep(
  deps: WorkerDeps,
  jobId: string,
  data: JobStep,
  carried: boolean,
): Promise<StepInFlight | undefined | typeof NOT_WAITING> {
  await deps.logWriter.waitForCapacity(); // backpressure: no new step while the log buffer is full
  const cached = data.workflowVersionId ? deps.definitions.peek(data.workflowVersionId) : undefined;
  const known = cached && data.stepKey ? prepareStep(cached, data.stepKey) : undefined;
  const claimed = await claimStep(
    deps.pool,
    { tenantId: data.tenantId, stepRunId: data.stepRunId, jobId },
    { outputsOf: known ? known.visibleSteps : null, definition: !cached },
  );
  if (!claimed) return NOT_WAITING;
  if (!claimed.run) return undefined;
  const { run: row } = claimed;
  const ref = {
    tenantId: data.tenantId,
    runId: data.runId,
    stepRunId: data.stepRunId,
    stepKey: claimed.stepKey,
    attempt: claimed.attempt,
    jobId,
  };
  const run = runContextOf(ref, row, cached ?? deps.definitions.get(row.workflowVersionId, row.definition));
  if (row.status !== 'RUNNING') {
    await finishStep(deps.pool, ref, run.definition, { status: 'CANCELLED', reason: `run is ${row.status}` });
    return undefined;
  }
  const prepared = known ?? prepareStep(run.definition, claimed.stepKey);
  if (!prepared) {
    const unknown = finalFailure('UNKNOWN_STEP', `step ${claimed.stepKey} is not in the definition`, ref.attempt);
    await deps.runs.afterCommit(run, await finishStep(deps.pool, ref, run.definition, unknown));
    return undefined;
  }
  return {
    ref,
    run,
    prepared,
    runInput: row.input,
    tenantNetworks: row.allowPrivateNetworks,
    outputs: claimed.outputs,
    carried,
    resumeAt: data.resumeAt,
  };
}

/**
 * If this job's worker died after carrying on with a later step, that step is still RUNNING under
 * the job's id: claim it again (the lost attempt is recorded). Otherwise replan the run, which
 * finishes the work of a worker that died between recording a step and planning, and changes
 * nothing in the other cases.
 */
async function recover(deps: WorkerDeps, jobId: string, data: StepJobData): Promise<StepInFlight | undefined> {
  const ref = { tenantId: data.tenantId, runId: data.runId };
  const row = await getRunForExecution(deps.pool, ref);
  if (row?.status !== 'RUNNING') return undefined;
  const carried = await reclaimCarried(deps, jobId, ref, row);
  if (carried !== NOT_WAITING) return carried;
  const run = runContextOf(ref, row, deps.definitions.get(row.workflowVersionId, row.definition));
  await deps.runs.afterCommit(run, await replanRun(deps.pool, ref, run.definition));
  return undefined;
}

/**
 * The step a job handed out again had carried on with (a step job's chain, or a run job's first step),
 * still RUNNING under the job's id, claimed again (the lost attempt is recorded); NOT_WAITING when the
 * job holds none.
 */
export async function reclaimCarried(
  deps: WorkerDeps,
  jobId: string,
  ref: RunRef,
  run: Pick<RunForExecution, 'workflowVersionId'>,
): Promise<StepInFlight | undefined | typeof NOT_WAITING> {
  const carried = await findStepRunningUnderJob(deps.pool, { ...ref, jobId });
  if (!carried) return NOT_WAITING;
  const step = await claimJobStep(deps, jobId, { ...ref, ...carried, workflowVersionId: run.workflowVersionId }, true);
  return step === NOT_WAITING ? undefined : step;
}
