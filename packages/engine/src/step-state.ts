/** StepRun lifecycle: PENDING → QUEUED → RUNNING → SUCCEEDED | FAILED | SKIPPED | CANCELLED. */
export const stepStatuses = ['PENDING', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED'] as const;
export type StepStatus = (typeof stepStatuses)[number];

/**
 * RUNNING → QUEUED is a retry after a failed attempt (or a wait); FAILED/CANCELLED → PENDING is a
 * rerun of a run from its failure. SKIPPED is decided by planning before a step runs (PENDING), or
 * by the step's own `if`, found false when its attempt starts (RUNNING).
 */
export const stepTransitions: Readonly<Record<StepStatus, readonly StepStatus[]>> = {
  PENDING: ['QUEUED', 'SKIPPED', 'CANCELLED'],
  QUEUED: ['RUNNING', 'CANCELLED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'SKIPPED', 'QUEUED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: ['PENDING'],
  SKIPPED: ['PENDING'],
  CANCELLED: ['PENDING'],
};

/**
 * The statuses a StepRun row is created in, when planning reaches its step: QUEUED, SKIPPED,
 * RUNNING when the job of the step before it carries on with it, or SUCCEEDED when that job ran it
 * in memory, as part of a chain recorded at once.
 */
export const initialStepStatuses: readonly StepStatus[] = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'SKIPPED'];

export const terminalStepStatuses: readonly StepStatus[] = ['SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED'];

export function canTransitionStep(from: StepStatus, to: StepStatus): boolean {
  return stepTransitions[from].includes(to);
}

export function isTerminalStepStatus(status: StepStatus): boolean {
  return terminalStepStatuses.includes(status);
}
