import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface QueueSnapshot {
  queue: string;
  /** Jobs by BullMQ state (waiting, active, delayed, prioritized, failed, …). */
  counts: Record<string, number>;
  /** Age of the oldest job waiting to be picked up; 0 when none waits. */
  oldestWaitingSeconds: number;
}

/**
 * The run pipeline's metrics. Labels are bounded (action type, status, queue, kind): never a run,
 * step or tenant id.
 */
export function createPipelineMetrics(registry: Registry) {
  return {
    stepDuration: new Histogram({
      name: 'conveyor_step_duration_seconds',
      help: 'Duration of step attempts, by action and outcome',
      labelNames: ['action', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    stepRetries: new Counter({
      name: 'conveyor_step_retries_total',
      help: 'Failed step attempts that will be retried, by action',
      labelNames: ['action'] as const,
      registers: [registry],
    }),
    stepsThrottled: new Counter({
      name: 'conveyor_steps_throttled_total',
      help: 'Step attempts delayed by their rate limit (the attempt is not spent), by action',
      labelNames: ['action'] as const,
      registers: [registry],
    }),
    runsFinished: new Counter({
      name: 'conveyor_runs_finished_total',
      help: 'Runs that reached a final status, by status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    runsRefused: new Counter({
      name: 'conveyor_runs_refused_total',
      help: 'Runs refused at the door (429) and not created, by reason (backlog: the tenant is at TENANT_MAX_BACKLOG)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    webhookCallsDebounced: new Counter({
      name: 'conveyor_webhook_calls_debounced_total',
      help: 'Webhook calls a debounced trigger collapsed into the open run of their window (no run created)',
      registers: [registry],
    }),
    reconcilerFailures: new Counter({
      name: 'conveyor_reconciler_failures_total',
      help: 'Reconciler repairs that failed in a pass, by kind (the other kinds still ran)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    reconcilerRepairs: new Counter({
      name: 'conveyor_reconciler_repairs_total',
      help: 'What the reconciler repaired, by kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
  };
}

export type PipelineMetrics = ReturnType<typeof createPipelineMetrics>;

/** Queue depth and oldest-waiting age, read from Redis each time Prometheus scrapes. */
export function registerQueueGauges(registry: Registry, snapshot: () => Promise<QueueSnapshot[]>): void {
  let latest: Promise<QueueSnapshot[]> | null = null;
  // Both gauges share one read per scrape.
  const read = () => {
    latest ??= snapshot().finally(() => setTimeout(() => (latest = null), 0));
    return latest;
  };
  new Gauge({
    name: 'conveyor_queue_jobs',
    help: 'Jobs in each queue, by state',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { queue, counts } of await read()) {
        for (const [state, count] of Object.entries(counts)) this.set({ queue, state }, count);
      }
    },
  });
  new Gauge({
    name: 'conveyor_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting in each queue',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const { queue, oldestWaitingSeconds } of await read()) this.set({ queue }, oldestWaitingSeconds);
    },
  });
}
