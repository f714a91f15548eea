import { z } from 'zod';

/** The most rows one validation request may carry; a larger mutation is refused, not walked. */
export const MAX_VALIDATED_ROWS = 100;

/**
 * The body Hasura POSTs to an input-validation webhook (v2.29+): the caller's session and, in
 * `data.input`, the mutation's rows (insert) or its updates (update), one entry each.
 */
export const validationBodySchema = <I extends z.ZodType>(entry: I) =>
  z.object({
    version: z.union([z.literal(1), z.literal('1')]),
    role: z.string().min(1).max(100),
    session_variables: z.record(z.string(), z.string()),
    data: z.object({ input: z.array(entry).max(MAX_VALIDATED_ROWS) }),
  });

const triggerType = z.enum(['MANUAL', 'SCHEDULE', 'WEBHOOK']);
/** Lengths are checked by the schedule rule, which names the field; here only the types. */
const scheduleFields = { cron: z.string().nullish(), timezone: z.string().nullish() };

/** One row of `insert_Trigger` (the columns tenant_admin may insert that the rule reads). */
export const triggerInsertSchema = z.object({ type: triggerType, ...scheduleFields });
/** One entry of `update_Trigger` / `update_Trigger_by_pk` / `update_Trigger_many`. */
export const triggerUpdateSchema = z.object({
  _set: z.object(scheduleFields).nullish(),
  pk_columns: z.object({ id: z.string().uuid() }).nullish(),
});

/** One row of `insert_WorkflowRun` (the columns a member may insert that the rule reads). */
export const runInsertSchema = z.object({ input: z.unknown().optional(), idempotencyKey: z.string().nullish() });

export type RunInsert = z.infer<typeof runInsertSchema>;
export type TriggerInsert = z.infer<typeof triggerInsertSchema>;
export type TriggerUpdate = z.infer<typeof triggerUpdateSchema>;

/** A refusal as Hasura forwards it to the client: 400 with `message`. */
export const validationRefusalSchema = z.object({ message: z.string() });
