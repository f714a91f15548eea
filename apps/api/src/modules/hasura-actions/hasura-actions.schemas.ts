import { z } from 'zod';

/** The body Hasura POSTs to an action handler (hasura-contract §2.1). */
export const actionBodySchema = <I extends z.ZodType>(input: I) =>
  z.object({
    action: z.object({ name: z.string().min(1) }),
    input,
    session_variables: z.record(z.string(), z.string()),
    request_query: z.string().optional(),
  });

export const cancelRunInputSchema = z.object({ runId: z.string().uuid(), reason: z.string().max(500).optional() });
export const retryRunInputSchema = z.object({ runId: z.string().uuid() });

export const runActionOutputSchema = z.object({ ok: z.boolean(), status: z.string() });

/** An action error as Hasura expects it (contract §2.3): 4xx with `message` and `extensions.code`. */
export const actionErrorSchema = z.object({
  message: z.string(),
  extensions: z.object({ code: z.string() }).catchall(z.unknown()),
});
