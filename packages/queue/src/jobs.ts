import { retryPolicySchema } from '@conveyor/engine';
import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

// Job data carries ids only — never inputs, outputs or credentials — so the queue (and Bull
// Board) hold no tenant data. Job ids are derived from row ids, so adding a job twice is a no-op.

const uuid = z.string().uuid();
const KEEP_FAILED = { age: 7 * 24 * 3600 } as const;

export const runJob = {
  name: 'run',
  schema: z.object({ tenantId: uuid, runId: uuid }),
  id: (runId: string) => `run-${runId}`,
  opts: {
    attempts: 5,
    backoff: { type: 'exponential', delay: 1_000 },
    // Removed when done so a rerun can add the same id again; duplicates are stopped by the guarded transition.
    removeOnComplete: true,
    removeOnFail: KEEP_FAILED,
  } satisfies JobsOptions,
} as const;

export const runTimeoutJob = {
  name: 'run-timeout',
  schema: z.object({ tenantId: uuid, runId: uuid }),
  id: (runId: string) => `run-timeout-${runId}`,
  opts: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 }, removeOnComplete: true, removeOnFail: KEEP_FAILED },
} as const;

export const scheduledRunJob = {
  name: 'scheduled-run',
  schema: z.object({ tenantId: uuid, triggerId: uuid }),
  schedulerId: (triggerId: string) => `trigger-${triggerId}`,
} as const;

/** On demand (the `conveyor reconcile` command): one reconciler pass, its repairs as the job's result. */
export const reconcileJob = {
  name: 'reconcile',
  opts: { removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } },
} as const;

/** A step job's backoff: the step's retry policy (the engine's), its attempt count being the job's own. */
const backoffSchema = retryPolicySchema.omit({ attempts: true });

/** Step job ids: `step-<StepRunId>-<generation>`. The database writes them with the same prefix. */
const STEP_JOB_ID_PREFIX = 'step-';

export const stepJob = {
  schema: z.object({
    tenantId: uuid,
    runId: uuid,
    stepRunId: uuid,
    /**
     * The step's key and its run's pinned WorkflowVersion: with them a worker that has the
     * definition cached reads only what the step's templates may see. Absent on jobs added before
     * they existed; the worker then reads the whole run.
     */
    stepKey: z.string().optional(),
    workflowVersionId: uuid.optional(),
    retry: backoffSchema,
    /** Set by a step that asked to wait (the delay action): when it may resume. */
    resumeAt: z.number().int().optional(),
    /**
     * Set when the run gave its tenant slot back while this step waited for an event (nothing else of
     * it was in flight): the job takes a slot again before the step resumes.
     */
    slotReleased: z.boolean().optional(),
  }),
  /**
   * The job of one generation of a StepRun: 0 when planning queued it, then the attempt count at
   * which a rerun queued it again. Adding the same generation twice is a no-op.
   */
  id: (stepRunId: string, generation: number) => `${STEP_JOB_ID_PREFIX}${stepRunId}-${generation}`,
  idPrefix: STEP_JOB_ID_PREFIX,
  /** The custom backoff type the step worker registers; it computes the step's own retry policy. */
  backoffType: 'step-retry',
  opts: (attempts: number): JobsOptions => ({
    attempts,
    backoff: { type: 'step-retry' },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: KEEP_FAILED,
  }),
} as const;

export type RunJobData = z.infer<typeof runJob.schema>;
export type StepJobData = z.infer<typeof stepJob.schema>;
export type ScheduledRunJobData = z.infer<typeof scheduledRunJob.schema>;
export type StepBackoff = z.infer<typeof backoffSchema>;
