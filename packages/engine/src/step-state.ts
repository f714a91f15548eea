/** StepRun lifecycle: PENDING → QUEUED → RUNNING → SUCCEEDED | FAILED | SKIPPED | CANCELLED. */
export const stepStatuses = ['PENDING', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED'] as const;
export type StepStatus = (typeof stepStatuses)[number];

/**
 * RUNNING → QUEUED is a retry after a failed attempt; FAILED/CANCELLED → PENDING is a rerun of a
 * run from its failure. SKIPPED is decided by planning, before a step ever runs.
 */
export const stepTransitions: Readonly<Record<StepStatus, readonly StepStatus[]>> = {
  PENDING: ['QUEUED', 'SKIPPED', 'CANCELLED'],
  QUEUED: ['RUNNING', 'CANCELLED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'QUEUED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: ['PENDING'],
  SKIPPED: ['PENDING'],
  CANCELLED: ['PENDING'],
};

export const terminalStepStatuses: readonly StepStatus[] = ['SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED'];

export function canTransitionStep(from: StepStatus, to: StepStatus): boolean {
  return stepTransitions[from].includes(to);
}

export function isTerminalStepStatus(status: StepStatus): boolean {
  return terminalStepStatuses.includes(status);
}
