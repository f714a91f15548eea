import type { AttemptRef, StepRunRef } from '@conveyor/db';
import type { RunContext } from '@conveyor/runs';
import type { PreparedStep } from './prepared-step';

/**
 * A step RUNNING under a job: the one state object of a step in flight, from its claim to its
 * outcome. A job holds one at a time: the step it was added for, then any it carries on with.
 */
export interface StepInFlight {
  /** The step, its attempt number and the job running it: what fences the attempt's writes. */
  ref: AttemptRef;
  run: RunContext;
  prepared: PreparedStep;
  runInput: unknown;
  /** The tenant's own private-network allowlist, read with the claim; the worker's ceiling bounds it. */
  tenantNetworks: readonly string[];
  /** Outputs of succeeded steps, by key (at least those the step may read). */
  outputs: Record<string, unknown>;
  /** False for the step the job was added for; true for a step the job carried on with, which is never retried. */
  carried: boolean;
  /** Set when the step re-enters after asking to wait (the delay action): when it was due. */
  resumeAt?: number | undefined;
}

/** The canonical log fields of a step. */
export function logIds(ref: StepRunRef) {
  return { tenantId: ref.tenantId, workflowRunId: ref.runId, stepRunId: ref.stepRunId };
}
