import { z } from 'zod';

const memberRoleSchema = z.enum(['ADMIN', 'MEMBER']);

const membershipSchema = z.object({ tenantId: z.string(), name: z.string(), slug: z.string(), role: memberRoleSchema });

export const sessionSchema = z.object({
  userId: z.string(),
  email: z.string(),
  tenantId: z.string(),
  /** The caller's membership role in the token's tenant. */
  role: memberRoleSchema,
  tenantName: z.string(),
  memberships: z.array(membershipSchema),
});

export const switchTenantBodySchema = z.strictObject({ tenantId: z.uuid() });

export const switchedTenantSchema = z.object({ token: z.string(), tenantId: z.string(), expiresAt: z.date() });
