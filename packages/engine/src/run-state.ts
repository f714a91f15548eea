/** WorkflowRun lifecycle: PENDING → QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED. */
export const runStatuses = ['PENDING', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type RunStatus = (typeof runStatuses)[number];

/**
 * The legal moves, as data. FAILED → QUEUED is "retry from failure"; a QUEUED run can fail
 * before it starts (its workflow vanished) and anything not yet finished can be cancelled.
 */
export const runTransitions: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  PENDING: ['QUEUED', 'FAILED', 'CANCELLED'],
  QUEUED: ['RUNNING', 'FAILED', 'CANCELLED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: ['QUEUED'],
  CANCELLED: [],
};

/** A run is created PENDING: by an app's insert through Hasura, a webhook trigger, a schedule or the CLI. */
export const initialRunStatus: RunStatus = 'PENDING';

export const terminalRunStatuses: readonly RunStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export function canTransitionRun(from: RunStatus, to: RunStatus): boolean {
  return runTransitions[from].includes(to);
}

export function isTerminalRunStatus(status: RunStatus): boolean {
  return terminalRunStatuses.includes(status);
}
