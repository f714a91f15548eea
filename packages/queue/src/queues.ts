import { Queue } from 'bullmq';
import type { Redis } from './connection';
import { queueNames } from './names';
import { queueTelemetry } from './telemetry';

/**
 * The BullMQ queues themselves, for what reads them: job states, counts, schedulers, Bull Board.
 * Adding Conveyor's jobs goes through the producers, which know their ids and options.
 */
export function createQueues({ connection, prefix }: { connection: Redis; prefix: string }) {
  const runs = new Queue(queueNames.runs, { connection, prefix, ...queueTelemetry() });
  const steps = new Queue(queueNames.steps, { connection, prefix, ...queueTelemetry() });
  return {
    runs,
    steps,
    async close(): Promise<void> {
      await Promise.all([runs.close(), steps.close()]);
    },
  };
}

export type Queues = ReturnType<typeof createQueues>;
