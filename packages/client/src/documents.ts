/**
 * Every GraphQL document the client sends to Hasura, as role `user` (default naming: root fields
 * `WorkflowRun`, `WorkflowRun_by_pk`, `insert_WorkflowRun_one`; hasura-contract §4.1, §7).
 * tests/hasura/client-documents.int.test.ts validates each against the schema Hasura would
 * generate for `user` from hasura/metadata and the migrated database.
 */

/** The run columns `user` may select (hasura/metadata/…/public_WorkflowRun.yaml). */
export const WORKFLOW_RUN_FIELDS = /* GraphQL */ `
  fragment WorkflowRunFields on WorkflowRun {
    id
    tenantId
    workflowId
    workflowVersionId
    triggerId
    status
    input
    output
    error
    idempotencyKey
    priority
    createdById
    startedAt
    finishedAt
    createdAt
    updatedAt
  }
`;

/** The step columns `user` may select (`jobId` is the worker's, not the app's). */
export const STEP_RUN_FIELDS = /* GraphQL */ `
  fragment StepRunFields on StepRun {
    id
    tenantId
    workflowRunId
    stepKey
    status
    attempt
    attemptErrors
    input
    output
    error
    startedAt
    finishedAt
    createdAt
    updatedAt
  }
`;

/** Starts a run: `tenantId`, `createdById` and `status: PENDING` are presets from the JWT session. */
export const START_WORKFLOW_RUN = /* GraphQL */ `
  mutation StartWorkflowRun($object: WorkflowRun_insert_input!) {
    insert_WorkflowRun_one(object: $object) {
      ...WorkflowRunFields
    }
  }
  ${WORKFLOW_RUN_FIELDS}
`;

/** The run an idempotency key already started (unique per tenant; the tenant comes from the session). */
export const WORKFLOW_RUN_BY_IDEMPOTENCY_KEY = /* GraphQL */ `
  query WorkflowRunByIdempotencyKey($idempotencyKey: String!) {
    WorkflowRun(where: { idempotencyKey: { _eq: $idempotencyKey } }, limit: 1) {
      ...WorkflowRunFields
    }
  }
  ${WORKFLOW_RUN_FIELDS}
`;

export const GET_WORKFLOW_RUN = /* GraphQL */ `
  query GetWorkflowRun($runId: uuid!) {
    WorkflowRun_by_pk(id: $runId) {
      ...WorkflowRunFields
    }
  }
  ${WORKFLOW_RUN_FIELDS}
`;

export const LIST_STEP_RUNS = /* GraphQL */ `
  query ListStepRuns($runId: uuid!) {
    StepRun(where: { workflowRunId: { _eq: $runId } }, order_by: [{ createdAt: asc }, { stepKey: asc }]) {
      ...StepRunFields
    }
  }
  ${STEP_RUN_FIELDS}
`;

/** The `cancelWorkflowRun` action (apps/api: POST /hooks/hasura/actions/cancel-workflow-run). */
export const CANCEL_WORKFLOW_RUN = /* GraphQL */ `
  mutation CancelWorkflowRun($runId: uuid!, $reason: String) {
    cancelWorkflowRun(runId: $runId, reason: $reason) {
      ok
      status
    }
  }
`;

/** The `retryWorkflowRun` action (apps/api: POST /hooks/hasura/actions/retry-workflow-run). */
export const RETRY_WORKFLOW_RUN = /* GraphQL */ `
  mutation RetryWorkflowRun($runId: uuid!) {
    retryWorkflowRun(runId: $runId) {
      ok
      status
    }
  }
`;

/** A page of a run's execution logs through Hasura's remote schema `execution_logs` (field `runLogs`). */
export const RUN_LOGS = /* GraphQL */ `
  query RunLogs(
    $workflowRunId: ID!
    $stepRunId: ID
    $minLevel: String
    $since: String
    $until: String
    $limit: Int
    $cursor: String
    $order: String
  ) {
    runLogs(
      workflowRunId: $workflowRunId
      stepRunId: $stepRunId
      minLevel: $minLevel
      since: $since
      until: $until
      limit: $limit
      cursor: $cursor
      order: $order
    ) {
      lines {
        id
        workflowRunId
        stepRunId
        level
        message
        context
        timestamp
      }
      nextCursor
    }
  }
`;

/** Every document by operation name, for tests and allow lists. */
export const DOCUMENTS = {
  StartWorkflowRun: START_WORKFLOW_RUN,
  WorkflowRunByIdempotencyKey: WORKFLOW_RUN_BY_IDEMPOTENCY_KEY,
  GetWorkflowRun: GET_WORKFLOW_RUN,
  ListStepRuns: LIST_STEP_RUNS,
  CancelWorkflowRun: CANCEL_WORKFLOW_RUN,
  RetryWorkflowRun: RETRY_WORKFLOW_RUN,
  RunLogs: RUN_LOGS,
} as const;
