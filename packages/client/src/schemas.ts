import { z } from 'zod';

/** Every answer the client hands back is parsed here once; the exported types are inferred from these. */

export const runStatusSchema = z.enum(['PENDING', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']);
export const stepStatusSchema = z.enum(['PENDING', 'QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED']);
export const logLevelSchema = z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']);

const json = z.unknown();
/** Hasura answers `timestamptz` as ISO-8601 text with an offset; kept as text. */
const timestamp = z.string();

export const workflowRunSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  workflowId: z.string(),
  workflowVersionId: z.string().nullable(),
  triggerId: z.string().nullable(),
  status: runStatusSchema,
  input: json,
  output: json.nullable(),
  error: json.nullable(),
  idempotencyKey: z.string().nullable(),
  priority: z.number().int(),
  createdById: z.string().nullable(),
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const stepRunSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  workflowRunId: z.string(),
  stepKey: z.string(),
  status: stepStatusSchema,
  attempt: z.number().int(),
  attemptErrors: json,
  input: json.nullable(),
  output: json.nullable(),
  error: json.nullable(),
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const runActionResultSchema = z.object({ ok: z.boolean(), status: runStatusSchema });

/** A log line as both the api's REST endpoints and the remote schema answer it (absent ↔ null). */
export const logLineSchema = z.object({
  id: z.string(),
  workflowRunId: z.string(),
  stepRunId: z
    .string()
    .nullish()
    .transform((value) => value ?? null),
  level: logLevelSchema,
  message: z.string(),
  context: z
    .record(z.string(), z.unknown())
    .nullish()
    .transform((value) => value ?? null),
  timestamp: z.string(),
});

export const logPageSchema = z.object({ lines: z.array(logLineSchema), nextCursor: z.string().nullable() });

/** The api's REST error body: `{ error: { code, message, details } }`. */
export const restErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
});

export const tailEndSchema = z.object({ status: runStatusSchema });

export const startRunResultSchema = z.object({ insert_WorkflowRun_one: workflowRunSchema.nullable() });
export const runsResultSchema = z.object({ WorkflowRun: z.array(workflowRunSchema) });
export const runByPkResultSchema = z.object({ WorkflowRun_by_pk: workflowRunSchema.nullable() });
export const stepRunsResultSchema = z.object({ StepRun: z.array(stepRunSchema) });
export const cancelResultSchema = z.object({ cancelWorkflowRun: runActionResultSchema.nullable() });
export const retryResultSchema = z.object({ retryWorkflowRun: runActionResultSchema.nullable() });
export const runLogsResultSchema = z.object({ runLogs: logPageSchema });

export type RunStatus = z.infer<typeof runStatusSchema>;
export type StepStatus = z.infer<typeof stepStatusSchema>;
export type LogLevel = z.infer<typeof logLevelSchema>;
export type WorkflowRun = z.infer<typeof workflowRunSchema>;
export type StepRun = z.infer<typeof stepRunSchema>;
export type RunActionResult = z.infer<typeof runActionResultSchema>;
export type LogLine = z.infer<typeof logLineSchema>;
export type LogPage = z.infer<typeof logPageSchema>;
