import { z } from 'zod';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature';

export const TRIGGER_SECRET_HEADER = 'x-conveyor-trigger-secret';

export const triggerParamsSchema = z.object({ triggerId: z.string().uuid() });

export const triggerHeadersSchema = z.object({
  [TRIGGER_SECRET_HEADER]: z.string().optional(),
  [SIGNATURE_HEADER]: z.string().max(200).optional(),
  [TIMESTAMP_HEADER]: z.string().max(20).optional(),
  'idempotency-key': z.string().min(1).max(255).optional(),
});

/** The request body becomes the run input: any JSON object (an empty body is `{}`). */
export const triggerBodySchema = z.record(z.string(), z.unknown()).nullish();

/**
 * `created`: this call created the run. A debounced trigger's answer also says `debounced`: the call was
 * collapsed into the open run `runId` of its window (202), whose input is now this call's.
 */
export const triggerReplySchema = z.object({
  runId: z.string(),
  status: z.string(),
  created: z.boolean(),
  debounced: z.boolean().optional(),
});
