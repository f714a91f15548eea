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
