import type { Queue } from 'bullmq';

/** Counts by state and the oldest waiting job's age, for the queue gauges and the CLI. */
export async function snapshotQueue(queue: Queue, now = Date.now()) {
  const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed');
  const [oldest] = await queue.getJobs(['wait', 'prioritized'], 0, 0, true);
  return { queue: queue.name, counts, oldestWaitingSeconds: oldest ? Math.max(0, (now - oldest.timestamp) / 1_000) : 0 };
}
