import { z } from 'zod';

/** Why a user cancelled a run, as its error's message records it. */
export const cancelReasonSchema = z.string().max(500);
/** The reason recorded when a user's cancel gives none. */
export const DEFAULT_CANCEL_REASON = 'cancelled by user';

/** What a user's cancel or retry of a run answers: the REST routes and the Hasura actions alike. */
export const runActionOutputSchema = z.object({ ok: z.boolean(), status: z.string() });

export const cancelBodySchema = z.strictObject({ reason: cancelReasonSchema.optional() }).nullish();
export const retryBodySchema = z.strictObject({}).nullish();

const runIdsSchema = z
  .array(z.uuid())
  .min(1)
  .max(100)
  .refine((runIds) => new Set(runIds.map((runId) => runId.toLowerCase())).size === runIds.length, 'a run id is given twice');

export const bulkCancelBodySchema = z.strictObject({ runIds: runIdsSchema, reason: cancelReasonSchema.optional() });
export const bulkRetryBodySchema = z.strictObject({ runIds: runIdsSchema });

/** Each run's outcome, in the order the ids were given: its new status, or why it was refused. */
export const bulkResultsSchema = z.object({
  results: z.array(
    z.discriminatedUnion('ok', [
      runActionOutputSchema.extend({ runId: z.string(), ok: z.literal(true) }),
      z.object({ runId: z.string(), ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
    ]),
  ),
});
