export { cancellationChannel, publishCancellation, subscribeCancellations } from './cancellation';
export { createRedisConnection, type Redis } from './connection';
export {
  type RetryPolicy,
  type RunJobData,
  reconcileJob,
  retryPolicySchema,
  runJob,
  runTimeoutJob,
  type ScheduledRunJobData,
  type StepJobData,
  scheduledRunJob,
  stepJob,
} from './jobs';
export { allQueueNames, type QueueName, queueNames } from './names';
export { createProducers, type Producers, type StepToEnqueue } from './producers';
export { snapshotQueue } from './queue-snapshot';
export { type Admission, createTenantAdmission, type TenantAdmission } from './tenant-admission';
