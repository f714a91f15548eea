import { z } from 'zod';

export const logLevelSchema = z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']);

export const runParamsSchema = z.object({ runId: z.string().uuid() });

export const logsQuerySchema = z.object({
  stepRunId: z.string().uuid().optional(),
  /** The minimum level: `WARN` returns WARN and ERROR lines. */
  level: logLevelSchema.optional(),
  since: z.coerce.date().optional(),
  until: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  cursor: z.string().min(1).max(512).optional(),
  order: z.enum(['asc', 'desc']).default('asc'),
});

export const tailQuerySchema = logsQuerySchema.pick({ stepRunId: true, level: true, cursor: true });

export const logLineSchema = z.object({
  id: z.string(),
  workflowRunId: z.string(),
  stepRunId: z.string().optional(),
  level: logLevelSchema,
  message: z.string(),
  context: z.record(z.string(), z.unknown()).optional(),
  timestamp: z.date(),
});

export const logPageSchema = z.object({ lines: z.array(logLineSchema), nextCursor: z.string().nullable() });

export type LogsQuery = z.infer<typeof logsQuerySchema>;
export type TailQuery = z.infer<typeof tailQuerySchema>;
