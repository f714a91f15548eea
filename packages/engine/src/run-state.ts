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

/**
 * The statuses a run is created in: PENDING by an app's insert through Hasura (its event dispatches
 * it), QUEUED by the platform itself (a webhook trigger, a schedule, the CLI), which creates and
 * dispatches a run in one statement when its workflow can run.
 */
export const initialRunStatuses: readonly RunStatus[] = ['PENDING', 'QUEUED'];

export const terminalRunStatuses: readonly RunStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export function canTransitionRun(from: RunStatus, to: RunStatus): boolean {
  return runTransitions[from].includes(to);
}

export function isTerminalRunStatus(status: RunStatus): boolean {
  return terminalRunStatuses.includes(status);
}
