import { ConveyorError } from '@conveyor/errors';
import { publishCancellation } from './cancellation';
import type { Redis } from './connection';
import { createDebounceWindows, type DebounceWindow } from './debounce-windows';
import { reconcileJob, runJob, runTimeoutJob, type StepBackoff, stepJob } from './jobs';
import type { Queues } from './queues';
import { createTenantAdmission } from './tenant-admission';

export interface StepToEnqueue {
  tenantId: string;
  runId: string;
  stepRunId: string;
  stepKey: string;
  workflowVersionId: string;
  /** What Bull Board shows: the workflow and the step key. */
  jobName: string;
  jobId: string;
  attempts: number;
  retry: StepBackoff;
  /** A waiting step's due time (epoch ms): the job is delayed to it and re-enters the step as resumed. */
  resumeAt?: number | undefined;
}

export type Producers = ReturnType<typeof createProducers>;

/**
 * Adds and withdraws Conveyor's jobs. Every add uses a deterministic job id, so repeating one (a
 * duplicate event, the reconciler) is a no-op. A Redis outage surfaces as DEPENDENCY_UNAVAILABLE (503).
 */
export function createProducers({ connection, prefix, queues }: { connection: Redis; prefix: string; queues: Queues }) {
  const { runs, steps } = queues;
  const admission = createTenantAdmission(connection, prefix, runs);
  const windows = createDebounceWindows(connection, prefix);
  return {
    /**
     * Adds the run job, prioritised by its place in its tenant's backlog (fair share between tenants);
     * with `delayMs` (a debounced run, its window), delayed by that much.
     */
    enqueueRun: (ref: { tenantId: string; runId: string }, { delayMs }: { delayMs?: number } = {}) =>
      unavailableOnError('enqueue run', async () =>
        runs.add(runJob.name, runJob.schema.parse(ref), {
          ...runJob.opts,
          jobId: runJob.id(ref.runId),
          priority: await admission.priorityForNewRun(ref.tenantId),
          ...(delayMs ? { delay: delayMs } : {}),
        }),
      ),
    /**
     * Delays a run job that is still waiting out its delay to `delayMs` from now (a debounced run whose
     * window a call restarted); false when the job is not delayed (it is due, running or gone).
     */
    postponeRun: (ref: { tenantId: string; runId: string }, delayMs: number) =>
      unavailableOnError('postpone run', async () => {
        const job = await runs.getJob(runJob.id(ref.runId));
        if (!job) return false;
        return job.changeDelay(delayMs).then(
          () => true,
          () => false, // not delayed any more: BullMQ refuses (its job is due or has begun)
        );
      }),
    /** The open windows of debounced webhook triggers. */
    debounceWindows: {
      find: (window: DebounceWindow) => unavailableOnError('read a debounce window', () => windows.find(window)),
      hold: (window: DebounceWindow, runId: string, windowMs: number) =>
        unavailableOnError('open a debounce window', () => windows.hold(window, runId, windowMs)),
    },
    /** Asks a worker for one reconciler pass (the `conveyor reconcile` command); its repairs are the job's result. */
    requestReconcile: () =>
      unavailableOnError('request a reconciler pass', () => runs.add(reconcileJob.name, {}, reconcileJob.opts)),
    scheduleRunTimeout: (ref: { tenantId: string; runId: string }, delayMs: number) =>
      unavailableOnError('schedule run timeout', () =>
        runs.add(runTimeoutJob.name, runTimeoutJob.schema.parse(ref), {
          ...runTimeoutJob.opts,
          jobId: runTimeoutJob.id(ref.runId),
          delay: delayMs,
        }),
      ),
    enqueueSteps: (toEnqueue: StepToEnqueue[]) =>
      unavailableOnError('enqueue steps', () =>
        steps.addBulk(
          toEnqueue.map((step) => ({
            name: step.jobName,
            data: stepJob.schema.parse({
              tenantId: step.tenantId,
              runId: step.runId,
              stepRunId: step.stepRunId,
              stepKey: step.stepKey,
              workflowVersionId: step.workflowVersionId,
              retry: step.retry,
              ...(step.resumeAt === undefined ? {} : { resumeAt: step.resumeAt }),
            }),
            opts: {
              ...stepJob.opts(step.attempts),
              jobId: step.jobId,
              ...(step.resumeAt === undefined ? {} : { delay: Math.max(0, step.resumeAt - Date.now()) }),
            },
          })),
        ),
      ),
    /** After a run finished: frees its tenant slot and removes its timeout job, if it armed one. */
    releaseRun: async (ref: { tenantId: string; runId: string }, { hadTimeout }: { hadTimeout: boolean }) => {
      await admission.release(ref.tenantId, ref.runId);
      if (hadTimeout) await runs.remove(runTimeoutJob.id(ref.runId)).catch(() => undefined);
    },
    /**
     * Wakes a waiting step's delayed job now (an event came for it): false when there is no delayed job
     * to wake (it runs already, or Redis lost it: the reconciler finds the step due and re-arms it).
     */
    wakeStep: async (jobId: string): Promise<boolean> => {
      const job = await steps.getJob(jobId);
      if (!job) return false;
      return job.promote().then(
        () => true,
        () => false,
      );
    },
    /**
     * After a run was stopped in the database: removes its waiting or delayed step jobs, frees its
     * tenant slot and tells every worker to abort the steps of it that are running.
     */
    withdrawRun: async (ref: { tenantId: string; runId: string }, stepJobIds: string[]) => {
      await Promise.allSettled(stepJobIds.map((id) => steps.remove(id)));
      await admission.release(ref.tenantId, ref.runId).catch(() => undefined);
      await unavailableOnError('announce the cancellation', () => publishCancellation(connection, prefix, ref.runId));
    },
  };
}

/** How long an enqueue may wait for Redis before the caller is told it is unavailable. */
const ENQUEUE_TIMEOUT_MS = 3_000;

async function unavailableOnError<T>(what: string, add: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  // BullMQ waits for a connection that is down instead of failing; bound the wait so a request answers 503.
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ENQUEUE_TIMEOUT_MS} ms`)), ENQUEUE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([add(), timeout]);
  } catch (cause) {
    throw new ConveyorError({
      code: 'DEPENDENCY_UNAVAILABLE',
      message: `cannot ${what}: the queue (Redis) is unavailable`,
      cause,
    });
  } finally {
    clearTimeout(timer);
  }
}
