import { z } from 'zod';

export const TRIGGER_SECRET_HEADER = 'x-conveyor-trigger-secret';

export const triggerParamsSchema = z.object({ triggerId: z.string().uuid() });

export const triggerHeadersSchema = z.object({
  [TRIGGER_SECRET_HEADER]: z.string().optional(),
  'idempotency-key': z.string().min(1).max(255).optional(),
});

/** The request body becomes the run input: any JSON object (an empty body is `{}`). */
export const triggerBodySchema = z.record(z.string(), z.unknown()).nullish();

export const triggerReplySchema = z.object({ runId: z.string(), status: z.string(), created: z.boolean() });
