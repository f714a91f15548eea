import { type CarryOn, finishChain, finishStep, type Progress, type RecordedSuccess } from '@conveyor/db';
import { ConveyorError } from '@conveyor/errors';
import type { Logger } from '@conveyor/observability';
import type { WorkerDeps } from '../deps/worker-deps';
import { attempt } from './attempt';
import { type AttemptResult, actionType } from './attempt-result';
import { carriedStep, carryOnAfter } from './carry-on';
import { logIds, type StepInFlight } from './step-in-flight';

/**
 * How much of a chain a job holds in memory before recording it: a longer chain is recorded in parts,
 * each part's statement starting the step the next part begins with.
 */
export const CHAIN_LIMITS = { steps: 16, ms: 200, outputBytes: 1_048_576 };

type Outcome = Extract<AttemptResult, { kind: 'outcome' }>;

/** The log of a step in flight under a job. */
export function stepLog(deps: WorkerDeps, jobId: string, step: StepInFlight): Logger {
  return deps.log.child({ ...logIds(step.ref), jobId, stepKey: step.ref.stepKey, actionType: actionType(step.prepared.step) });
}

/**
 * Runs a step the job carries on with (RUNNING under the job's id, its row new when it started), then
 * each one that step carries on with, to the end of the chain. Carried steps are never retried and
 * never wait (carryOnAfter's rule): an attempt of one ends in an outcome, a failure being the step's,
 * not the job's.
 */
export async function runCarried(deps: WorkerDeps, jobId: string, first: StepInFlight | undefined): Promise<void> {
  for (let head = first; head; ) head = await runChain(deps, jobId, head);
}

/**
 * Runs `head` and the steps it carries on with, holding their successes in memory (within
 * CHAIN_LIMITS) and recording them in one statement, which also applies what the last one decides
 * (finishChain); returns the step that statement started for the job to go on with. Steps after the
 * head have no row until then: a worker lost meanwhile leaves the head RUNNING under the job, and the
 * job handed out again runs the chain from the head. A step that does not succeed ends the chain: the
 * successes before it are recorded with it started under the id it ran with, then its outcome.
 */
async function runChain(deps: WorkerDeps, jobId: string, head: StepInFlight): Promise<StepInFlight | undefined> {
  const successes: RecordedSuccess[] = [];
  let outputBytes = 0;
  for (let step = head; ; ) {
    const startedAt = deps.now();
    const result = await attemptCarried(deps, jobId, step);
    const finishedAt = deps.now();
    if (result.outcome.status !== 'SUCCEEDED') return endChain(deps, jobId, head, successes, step, result);
    const { output } = result.outcome;
    const success = { stepRunId: step.ref.stepRunId, stepKey: step.ref.stepKey, output: JSON.stringify(output ?? null) };
    successes.push({ ...success, startedAt, finishedAt });
    outputBytes += success.output.length;
    const carryOn = carryOnAfter(deps.actions, step.run.definition, step.ref.stepKey);
    const held = successes.length < CHAIN_LIMITS.steps && outputBytes < CHAIN_LIMITS.outputBytes;
    const inMemory = carryOn && held && finishedAt - (successes[0]?.startedAt ?? startedAt) < CHAIN_LIMITS.ms;
    const next = inMemory
      ? await carriedStep(deps, step, output, { stepRunId: crypto.randomUUID(), stepKey: carryOn.stepKey, jobId, started: true })
      : undefined;
    if (!next) {
      const progress = await record(deps, head, successes, carryOn && { ...carryOn, jobId });
      const started = progress.queued.find((queued) => queued.started);
      return started && carriedStep(deps, step, output, started);
    }
    step = next;
  }
}

/** A chain's step that did not succeed: the successes before it recorded with it started, then its outcome. */
async function endChain(
  deps: WorkerDeps,
  jobId: string,
  head: StepInFlight,
  successes: RecordedSuccess[],
  step: StepInFlight,
  result: Outcome,
): Promise<undefined> {
  if (successes.length > 0) {
    const progress = await record(deps, head, successes, {
      stepKey: step.ref.stepKey,
      jobId,
      stepRunId: step.ref.stepRunId,
    });
    if (!progress.queued.some((queued) => queued.started && queued.stepRunId === step.ref.stepRunId)) return undefined;
  }
  await settle(deps, jobId, step, result);
  return undefined;
}

async function record(
  deps: WorkerDeps,
  head: StepInFlight,
  successes: RecordedSuccess[],
  carryOn: CarryOn | undefined,
): Promise<Progress> {
  const progress = await finishChain(deps.pool, head.ref, head.run.definition, successes, carryOn);
  await deps.runs.afterCommit(head.run, progress);
  return progress;
}

async function attemptCarried(deps: WorkerDeps, jobId: string, step: StepInFlight): Promise<Outcome> {
  const log = stepLog(deps, jobId, step);
  log.info({ attempt: step.ref.attempt, carried: true }, 'step started');
  const result = await attempt(deps, step, 0, log);
  if (result.kind === 'outcome') return result;
  throw new ConveyorError({ code: 'INTERNAL', message: `carried step ${step.ref.stepKey} asked to ${result.kind}` });
}

/** Records the outcome and adds the jobs it unblocks; then the step the job carries on with, or the job's own step's failure. */
export async function settle(
  deps: WorkerDeps,
  jobId: string,
  step: StepInFlight,
  { outcome }: Outcome,
): Promise<{ next?: StepInFlight | undefined; failed?: string }> {
  // Only after a success: a failed job step ends its job by throwing, which would drop a carried step.
  const carryOn = outcome.status === 'SUCCEEDED' ? carryOnAfter(deps.actions, step.run.definition, step.ref.stepKey) : undefined;
  const progress = await finishStep(deps.pool, step.ref, step.run.definition, outcome, carryOn && { ...carryOn, jobId });
  await deps.runs.afterCommit(step.run, progress);
  if (outcome.status === 'FAILED' && !step.carried) return { failed: outcome.error.message };
  const next = progress.queued.find((queued) => queued.started);
  return { next: next && outcome.status === 'SUCCEEDED' ? await carriedStep(deps, step, outcome.output, next) : undefined };
}
