export {
  findApiKeyByHash,
  insertApiKey,
  type NewApiKey,
  recordApiKeyUse,
  revokeApiKey,
  type StoredApiKey,
} from './api-keys.repo';
export { type BuiltinApp, listActionRefs, upsertBuiltinApp } from './catalogue.repo';
export {
  findOpenChildRuns,
  findParentsOfOrphans,
  findParentWaitingJob,
  findRunnableVersion,
  getRunDepth,
} from './child-runs.repo';
export { createDatabase, type Database, type DbOptions, type PrismaClient } from './client';
// Reads and writes of the apps' use cases (api, cli), one concern per repository.
export { findConnectableAppId, insertConnection } from './connections.repo';
export {
  getRunView,
  getWorkflowStats,
  getWorkflowView,
  listRuns,
  listWorkflows,
  type RunListQuery,
  type RunStepView,
  type RunSummary,
  WORKFLOW_STATS_SAMPLE,
  type WorkflowSummary,
} from './console-reads.repo';
export { databaseNameOf, dropDatabase, ensureDatabase } from './database-admin';
export { isDatabaseUnavailable } from './database-errors';
export { type DebouncedCallRun, type DebouncedStart, startDebouncedRun } from './debounced-runs';
export {
  beginEventWait,
  deleteExpiredEvents,
  describeApproval,
  type EventAddress,
  type EventSent,
  findPendingApproval,
  readEventWait,
  sendEvent,
  type WaitBegun,
} from './event-waits.repo';
export { Prisma } from './generated/prisma/client';
export type * from './generated/prisma/models';
export { pingDatabase } from './health.repo';
export { acceptInvitation, findInvitationByTokenHash, type InvitationRecord, insertInvitation } from './invitations.repo';
export {
  type ActingMember,
  findActingMember,
  findMembershipRole,
  listMemberships,
  type MemberRole,
  type MembershipView,
} from './memberships.repo';
export { applyMigrations, type MigrateOptions, type MigrateResult } from './migrate';
export { finishChain, finishStep, type Progress, replanRun, startRun } from './run-progress';
export {
  type CreatedRun,
  closeDebounceWindow,
  createRun,
  type DispatchOutcome,
  dispatchRun,
  type NewRun,
  rerunRun,
  type StopResult,
  stopRun,
} from './run-transitions';
export { countBacklog, getRunForExecution, getRunStatus, type RunForExecution, type RunRef } from './runs.repo';
export type { SqlExecutor, SqlPool } from './sql';
export {
  countQueuedRunsByTenant,
  findActiveRunIds,
  findIdleRunningRuns,
  findLongRunningSteps,
  findRunsWithTimeout,
  findStaleQueuedSteps,
  findStaleRuns,
  type RunningStep,
  type StaleQuery,
  type StaleRun,
  type StaleStep,
  type TimedRun,
} from './stale.repo';
export { listStepItems, type RecordedItem, recordStepItems, type StepItemOutcome } from './step-items.repo';
export {
  type AttemptReads,
  type CarryOn,
  type ClaimedStep,
  claimStep,
  type QueuedStep,
  type RecordedSuccess,
  recordLostAttempt,
  recordRetry,
  recordWait,
  type StepOutcome,
} from './step-transitions';
export {
  type AttemptRef,
  findStepRunningUnderJob,
  getSealedConnection,
  type StepError,
  type StepRunContext,
  type StepRunRef,
} from './steps.repo';
export {
  openStoredCredentials,
  type ResealReport,
  resealCredentials,
  type StoredCredentials,
  sealForTenant,
  TENANT_DATA_KEY_ID,
} from './tenant-keys.repo';
export { scopeToTenant, type TenantScopedClient } from './tenant-scope';
export { getTenantNetworkAllowlist, setTenantNetworkAllowlist } from './tenant-settings.repo';
export { findTenantBySlug, tenantExists } from './tenants.repo';
export {
  disableTrigger,
  findTrigger,
  findTriggerSchedule,
  listActiveSchedules,
  type ScheduleTrigger,
  type TriggerForRun,
  type TriggerSchedule,
} from './triggers.repo';
export { findUserEmail } from './users.repo';
export { insertWebhookTrigger, replaceWebhookTriggerSecret } from './webhook-triggers.repo';
export { findWorkflowByNameOrId } from './workflow-lookup.repo';
export { publishVersion } from './workflows.repo';
