/** Every queue Conveyor runs; Bull Board and metrics list exactly these. */
export const queueNames = {
  /** One job per WorkflowRun: plan its first steps. */
  runs: 'runs',
  /** One job per StepRun attempt: execute one step. */
  steps: 'steps',
} as const;

export type QueueName = (typeof queueNames)[keyof typeof queueNames];
export const allQueueNames: readonly QueueName[] = Object.values(queueNames);
