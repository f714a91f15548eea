/** Every queue Conveyor runs; Bull Board and metrics list exactly these. */
export const queueNames = {
  /**
   * Run-level jobs, by name (jobs.ts): `run` starts a run, `run-timeout` fails one past its
   * timeout, `scheduled-run` fires a schedule, `reconcile` asks for a reconciler pass.
   */
  runs: 'runs',
  /** One job per generation of a StepRun: execute the step, retrying it under the same job. */
  steps: 'steps',
} as const;

export type QueueName = (typeof queueNames)[keyof typeof queueNames];
export const allQueueNames: readonly QueueName[] = Object.values(queueNames);
