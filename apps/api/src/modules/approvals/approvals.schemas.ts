import { z } from 'zod';

export const runParamsSchema = z.object({ runId: z.uuid() });
export const linksBodySchema = z.strictObject({ stepKey: z.string().min(1).max(64) });
export const tokenParamsSchema = z.object({ token: z.string().min(10).max(100) });
export const decideBodySchema = z.strictObject({ comment: z.string().max(2_000).nullish() }).nullish();

const linkSchema = z.object({ token: z.string(), path: z.string() });
export const linksSchema = z.object({
  stepRunId: z.string(),
  expiresAt: z.string(),
  approve: linkSchema,
  reject: linkSchema,
});
export const approvalViewSchema = z.object({
  runId: z.string(),
  stepKey: z.string(),
  approved: z.boolean(),
  pending: z.boolean(),
  expiresAt: z.string(),
});
export const decidedSchema = z.object({ ok: z.boolean(), approved: z.boolean() });
