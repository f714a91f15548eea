/**
 * Canonical structured-log keys. Every log line names things with these keys, never a bare `id`,
 * so one query finds a run's lines across api, worker and reconciler.
 */
export const logFields = {
  tenantId: 'tenantId',
  workflowRunId: 'workflowRunId',
  stepRunId: 'stepRunId',
  jobId: 'jobId',
  actionType: 'actionType',
  durationMs: 'durationMs',
  error: 'error',
} as const;

export type LogFieldName = keyof typeof logFields;
export type LogContext = Partial<Record<LogFieldName, unknown>>;
