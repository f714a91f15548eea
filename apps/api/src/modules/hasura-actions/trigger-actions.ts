import { randomBytes } from 'node:crypto';
import { insertWebhookTrigger, type PrismaClient, replaceWebhookTriggerSecret } from '@conveyor/db';
import { debounceKeyProblem } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import type { Keyring } from '@conveyor/secrets';
import type { z } from 'zod';
import { type ActionSession, requireTenantCaller } from '../auth/session';
import {
  createWebhookTriggerInputSchema,
  rotateWebhookTriggerSecretInputSchema,
  webhookTriggerSecretOutputSchema,
} from './trigger-actions.schemas';

/** How the actions module declares one action route (its `action` helper). */
export type ActionRoute = <I extends z.ZodType, O extends z.ZodType>(
  path: string,
  input: I,
  output: O,
  handle: (input: z.infer<I>, session: ActionSession) => Promise<z.infer<O>>,
) => unknown;

/**
 * Webhook trigger secrets are minted by the server, never chosen by a client: tenant admins get one
 * from `POST /hooks/hasura/actions/create-webhook-trigger` (a new WEBHOOK trigger of a workflow) or
 * `POST /hooks/hasura/actions/rotate-webhook-trigger-secret` (the old secret stops working at once).
 * The secret is answered once; only its SHA-256 is stored, and, for a trigger created with
 * `requireSignature` (calls signed with the secret, see triggers/signature.ts), a copy sealed with the
 * tenant's data key, which the api needs to check signatures. A trigger created with `debounce` collapses
 * calls (see runs.debounce); its key template is judged here, once (`debounceKeyProblem`).
 */
export function registerTriggerActions(
  action: ActionRoute,
  { prisma, keyring }: { prisma: PrismaClient; keyring: Keyring },
): void {
  action('create-webhook-trigger', createWebhookTriggerInputSchema, webhookTriggerSecretOutputSchema, async (input, session) => {
    const { tenantId } = await requireTenantCaller(prisma, session, { admin: true });
    const keyProblem = input.debounce?.key ? debounceKeyProblem(input.debounce.key) : null;
    if (keyProblem !== null) {
      throw new ConveyorError({
        code: 'VALIDATION_FAILED',
        message: `input.debounce.key: ${keyProblem}`,
        details: { field: 'input.debounce.key' },
      });
    }
    const secret = mintSecret();
    const requireSignature = input.requireSignature ?? false;
    const created = await insertWebhookTrigger(prisma, keyring, {
      tenantId,
      workflowId: input.workflowId,
      secret,
      requireSignature,
      debounce: input.debounce,
    });
    if (created.kind === 'no-workflow') {
      throw new ConveyorError({
        code: 'NOT_FOUND',
        message: `input.workflowId: no workflow ${input.workflowId} in this tenant`,
        details: { field: 'input.workflowId' },
      });
    }
    return { ok: true, triggerId: created.triggerId, secret };
  });
  action(
    'rotate-webhook-trigger-secret',
    rotateWebhookTriggerSecretInputSchema,
    webhookTriggerSecretOutputSchema,
    async ({ triggerId }, session) => {
      const { tenantId } = await requireTenantCaller(prisma, session, { admin: true });
      const secret = mintSecret();
      if (!(await replaceWebhookTriggerSecret(prisma, keyring, { tenantId, triggerId, secret }))) {
        throw new ConveyorError({
          code: 'NOT_FOUND',
          message: `input.triggerId: no webhook trigger ${triggerId} in this tenant`,
          details: { field: 'input.triggerId' },
        });
      }
      return { ok: true, triggerId, secret };
    },
  );
}

/** 256 bits from the system's CSPRNG, URL-safe. */
function mintSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
