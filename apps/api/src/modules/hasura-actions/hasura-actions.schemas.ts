import { z } from 'zod';
import { cancelReasonSchema } from '../run-commands/run-commands.schemas';

/** The body Hasura POSTs to an action handler (hasura-contract §2.1). */
export const actionBodySchema = <I extends z.ZodType>(input: I) =>
  z.object({
    action: z.object({ name: z.string().min(1) }),
    input,
    session_variables: z.record(z.string(), z.string()),
    request_query: z.string().optional(),
  });

const uuid = z.string().uuid();

export const cancelRunInputSchema = z.object({ runId: uuid, reason: cancelReasonSchema.nullish() });
export const retryRunInputSchema = z.object({ runId: uuid });
export const publishVersionInputSchema = z.object({ workflowId: uuid, definition: z.unknown() });
export const createConnectionInputSchema = z.object({
  name: z.string().min(1).max(200),
  appKey: z.string().min(1).nullish(),
  credentials: z.record(z.string(), z.unknown()),
});
export const inviteMemberInputSchema = z.object({ email: z.string().email(), role: z.enum(['ADMIN', 'MEMBER']) });
export const acceptInvitationInputSchema = z.object({ token: z.string().min(16).max(200) });

export const publishVersionOutputSchema = z.object({ ok: z.boolean(), workflowVersionId: z.string(), version: z.number().int() });
export const createConnectionOutputSchema = z.object({ ok: z.boolean(), connectionId: z.string() });
export const inviteMemberOutputSchema = z.object({ ok: z.boolean(), invitationId: z.string(), token: z.string() });
export const acceptInvitationOutputSchema = z.object({ ok: z.boolean(), tenantId: z.string() });

/** An action error as Hasura expects it (contract §2.3): 4xx with `message` and `extensions.code`. */
export const actionErrorSchema = z.object({
  message: z.string(),
  extensions: z.object({ code: z.string() }).catchall(z.unknown()),
});
