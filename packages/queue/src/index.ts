export { cancellationChannel, publishCancellation, subscribeCancellations } from './cancellation';
export { createRedisConnection, type Redis } from './connection';
export type { DebounceWindow, DebounceWindows } from './debounce-windows';
export {
  type RunJobData,
  reconcileJob,
  runJob,
  runTimeoutJob,
  type ScheduledRunJobData,
  type StepBackoff,
  type StepJobData,
  scheduledRunJob,
  stepJob,
} from './jobs';
export { allQueueNames, type QueueName, queueNames } from './names';
export { createProducers, type Producers, type StepToEnqueue } from './producers';
export { snapshotQueue } from './queue-snapshot';
export { createQueues, type Queues } from './queues';
export { createRateLimits, type RateBucket, type RateLimits } from './rate-limits';
export { scanKeys } from './scan-keys';
export { queueTelemetry } from './telemetry';
export { type Admission, type ConcurrencyGroup, createTenantAdmission, type TenantAdmission } from './tenant-admission';
