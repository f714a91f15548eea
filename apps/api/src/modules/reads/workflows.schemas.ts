import { runStatuses } from '@conveyor/engine';
import { z } from 'zod';

export const workflowsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(500).default(200) });
export const workflowParamsSchema = z.object({ workflowId: z.uuid() });

const workflowSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  isActive: z.boolean(),
  currentVersion: z.number().nullable(),
  versions: z.number(),
  createdAt: z.date(),
});

export const workflowListSchema = z.object({ workflows: z.array(workflowSummarySchema) });

export const workflowViewSchema = workflowSummarySchema.extend({
  versionList: z.array(z.object({ id: z.string(), version: z.number(), definition: z.unknown(), createdAt: z.date() })),
  triggers: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      isActive: z.boolean(),
      cron: z.string().nullable(),
      timezone: z.string().nullable(),
    }),
  ),
});

export const workflowStatsSchema = z.object({
  workflowId: z.string(),
  /** How many of the workflow's latest runs (at most 200) the rest is about. */
  sample: z.number(),
  succeeded: z.number(),
  failed: z.number(),
  cancelled: z.number(),
  /** PENDING, QUEUED or RUNNING. */
  open: z.number(),
  /** succeeded / (succeeded + failed); null when none of the two. */
  successRate: z.number().nullable(),
  /** Percentiles (interpolated, whole ms) of the ended runs' durations, finishedAt − startedAt; null when none. */
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  /** The sample, newest first. */
  recent: z.array(
    z.object({ id: z.string(), status: z.enum(runStatuses), createdAt: z.date(), durationMs: z.number().nullable() }),
  ),
});
