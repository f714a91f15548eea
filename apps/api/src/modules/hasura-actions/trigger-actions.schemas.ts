import { debounceSchema } from '@conveyor/engine';
import { z } from 'zod';

export const createWebhookTriggerInputSchema = z.object({
  workflowId: z.string().uuid(),
  /** Calls must be signed with the secret (x-conveyor-signature, x-conveyor-timestamp) instead of carrying it. */
  requireSignature: z.boolean().nullish(),
  /** Calls with the same key within `windowMs` of the last one collapse into one run with the last input. */
  debounce: debounceSchema.nullish(),
});
export const rotateWebhookTriggerSecretInputSchema = z.object({ triggerId: z.string().uuid() });
/** The secret is shown here once; only its SHA-256 is stored. */
export const webhookTriggerSecretOutputSchema = z.object({ ok: z.boolean(), triggerId: z.string(), secret: z.string() });
