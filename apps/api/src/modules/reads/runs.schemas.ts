import { runStatuses, stringProblem } from '@conveyor/engine';
import { z } from 'zod';

/** `?status=FAILED,CANCELLED`: one or more run statuses. */
const statusList = z
  .string()
  .max(200)
  .transform((value) => value.split(',').filter(Boolean))
  .pipe(z.array(z.enum(runStatuses)).min(1));

export const runsQuerySchema = z.object({
  status: statusList.optional(),
  workflowId: z.uuid().optional(),
  triggerId: z.uuid().optional(),
  /** Created at or after. */
  from: z.coerce.date().optional(),
  /** Created before. */
  to: z.coerce.date().optional(),
  /** A run's id, or the start of its idempotency key (text PostgreSQL can compare: no U+0000, no lone surrogate). */
  q: z
    .string()
    .min(1)
    .max(200)
    .superRefine((value, context) => {
      const problem = stringProblem(value);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
});

export const runParamsSchema = z.object({ runId: z.uuid() });

const runSummarySchema = z.object({
  id: z.string(),
  workflowId: z.string(),
  workflowName: z.string(),
  version: z.number().nullable(),
  status: z.enum(runStatuses),
  triggerId: z.string().nullable(),
  idempotencyKey: z.string().nullable(),
  priority: z.number(),
  parentRunId: z.string().nullable(),
  errorCode: z.string().nullable(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});

export const runPageSchema = z.object({ runs: z.array(runSummarySchema), nextCursor: z.string().nullable() });

const stepViewSchema = z.object({
  id: z.string(),
  stepKey: z.string(),
  status: z.string(),
  attempt: z.number(),
  attemptErrors: z.unknown(),
  output: z.unknown(),
  error: z.unknown(),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  resumeAt: z.date().nullable(),
  wait: z.object({ event: z.string(), key: z.string(), expiresAt: z.string(), receivedAt: z.string().nullable() }).nullable(),
  items: z.object({ succeeded: z.number(), failed: z.number() }).nullable(),
});

export const runViewSchema = runSummarySchema.extend({
  depth: z.number(),
  input: z.unknown(),
  output: z.unknown(),
  error: z.unknown(),
  definition: z.unknown(),
  steps: z.array(stepViewSchema),
});

export type RunsQuery = z.infer<typeof runsQuerySchema>;
