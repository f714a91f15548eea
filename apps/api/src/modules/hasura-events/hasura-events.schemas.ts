import { z } from 'zod';

/** The body Hasura POSTs for an event trigger (hasura-contract §1.2); extra keys are tolerated. */
export const hasuraEventBodySchema = z.object({
  id: z.string().min(1),
  created_at: z.string().min(1),
  delivery_info: z.object({ current_retry: z.number().int().min(0), max_retries: z.number().int().min(0) }),
  trigger: z.object({ name: z.string().min(1) }),
  table: z.object({ schema: z.string().min(1), name: z.string().min(1) }),
  event: z.object({
    op: z.enum(['INSERT', 'UPDATE', 'DELETE', 'MANUAL']),
    data: z.object({ old: z.record(z.string(), z.unknown()).nullable(), new: z.record(z.string(), z.unknown()).nullable() }),
    session_variables: z.record(z.string(), z.string()).nullable(),
    trace_context: z.unknown().optional(),
  }),
});

export type HasuraEventBody = z.infer<typeof hasuraEventBodySchema>;

/** The part of a WorkflowRun row the dispatcher needs; the row is keyed by column names. */
export const workflowRunRowSchema = z.object({ id: z.string().uuid(), tenantId: z.string().uuid() });

export const hasuraEventReplySchema = z.object({
  eventId: z.string(),
  outcome: z.enum(['queued', 'already-dispatched', 'failed', 'missing', 'ignored']),
  runId: z.string().optional(),
  detail: z.string().optional(),
});

export type HasuraEventReply = z.infer<typeof hasuraEventReplySchema>;
