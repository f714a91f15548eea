import { type Keyring, sha256Hex } from '@conveyor/secrets';
import type { PrismaClient } from './client';
import { sealForTenant } from './tenant-keys.repo';

interface WebhookSecret {
  tenantId: string;
  /** Minted by the api; only its SHA-256 is stored, and for a signed trigger a copy sealed with the tenant's data key. */
  secret: string;
}

/** A new webhook trigger: its workflow, how calls authenticate, and its debounce (checked by the caller) if it has one. */
interface NewWebhookTrigger extends WebhookSecret {
  workflowId: string;
  requireSignature: boolean;
  debounce?: { windowMs: number; key?: string | null | undefined } | null | undefined;
}

/**
 * A new WEBHOOK trigger of one of the tenant's workflows; `no-workflow` when the tenant has no such
 * workflow. One that requires signatures keeps its secret sealed (the api checks signatures with it).
 */
export async function insertWebhookTrigger(
  prisma: PrismaClient,
  keyring: Keyring,
  { tenantId, workflowId, secret, requireSignature, debounce }: NewWebhookTrigger,
): Promise<{ kind: 'created'; triggerId: string } | { kind: 'no-workflow' }> {
  const workflow = await prisma.workflow.findFirst({ where: { id: workflowId, tenantId }, select: { id: true } });
  if (!workflow) return { kind: 'no-workflow' };
  const trigger = await prisma.trigger.create({
    data: {
      tenantId,
      workflowId,
      type: 'WEBHOOK',
      requireSignature,
      debounceWindowMs: debounce?.windowMs ?? null,
      debounceKey: debounce ? (debounce.key ?? null) : null,
      ...(await secretColumns(prisma, keyring, { tenantId, secret }, requireSignature)),
    },
    select: { id: true },
  });
  return { kind: 'created', triggerId: trigger.id };
}

/** Replaces a WEBHOOK trigger's secret, within its tenant; false when the tenant has no such webhook trigger. */
export async function replaceWebhookTriggerSecret(
  prisma: PrismaClient,
  keyring: Keyring,
  { tenantId, triggerId, secret }: WebhookSecret & { triggerId: string },
): Promise<boolean> {
  const trigger = await prisma.trigger.findFirst({
    where: { id: triggerId, tenantId, type: 'WEBHOOK' },
    select: { requireSignature: true },
  });
  if (!trigger) return false;
  const { count } = await prisma.trigger.updateMany({
    where: { id: triggerId, tenantId, type: 'WEBHOOK' },
    data: await secretColumns(prisma, keyring, { tenantId, secret }, trigger.requireSignature),
  });
  return count === 1;
}

async function secretColumns(prisma: PrismaClient, keyring: Keyring, { tenantId, secret }: WebhookSecret, sealed: boolean) {
  if (!sealed) return { secretHash: sha256Hex(secret), signingSecret: null, signingKeyId: null };
  const signing = await sealForTenant(prisma, keyring, tenantId, secret);
  return { secretHash: sha256Hex(secret), signingSecret: Buffer.from(signing.ciphertext), signingKeyId: signing.keyId };
}
