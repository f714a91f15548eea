import { queueTelemetry, type Redis } from '@conveyor/queue';
import type { WorkerDeps } from '../deps/worker-deps';

/** What both queues' Workers share: the connection, the prefix, concurrency, job locks and BullMQ's telemetry. */
export function workerOptions({ settings }: Pick<WorkerDeps, 'settings'>, connection: Redis) {
  return {
    connection,
    prefix: settings.queuePrefix,
    concurrency: settings.concurrency,
    lockDuration: settings.lockDurationMs,
    stalledInterval: Math.max(1_000, Math.floor(settings.lockDurationMs / 2)),
    ...queueTelemetry(),
  };
}
