import { API_KEY_SCOPES } from '@conveyor/auth';
import { z } from 'zod';

/** The longest an API key may be made to live; without `expiresInDays` it lives until revoked. */
export const API_KEY_MAX_DAYS = 365;

export const createApiKeyInputSchema = z.object({
  name: z.string().trim().min(1, 'the name may not be empty').max(100),
  /** At least one scope of API_KEY_SCOPES; repeats are kept once. */
  scopes: z
    .array(z.enum(API_KEY_SCOPES))
    .min(1)
    .max(20)
    .transform((scopes) => [...new Set(scopes)]),
  expiresInDays: z.number().int().min(1).max(API_KEY_MAX_DAYS).nullish(),
});
export const revokeApiKeyInputSchema = z.object({ id: z.string().uuid() });

/** The key is shown here once; only its SHA-256 is stored. */
export const createApiKeyOutputSchema = z.object({
  ok: z.boolean(),
  id: z.string(),
  key: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  expiresAt: z.string().nullable(),
});
export const revokeApiKeyOutputSchema = z.object({ ok: z.boolean(), id: z.string(), revokedAt: z.string() });
