import { ConveyorError } from '@conveyor/errors';
import { createDataKey, type Keyring, openWithDataKey, type SealedSecret, sealWithDataKey } from '@conveyor/secrets';
import type { PrismaClient } from './client';

/**
 * `Connection.credentialsKeyId` of credentials sealed with their tenant's data key (envelope form).
 * Any other value names the keyring key that sealed them directly (the old form). A keyring key id
 * never holds a colon (CONNECTION_KEYS is `id:base64key,…`), so the two cannot be confused.
 */
export const TENANT_DATA_KEY_ID = 'tenant:data-key';

/** A connection's credentials as stored, with its tenant's wrapped data key (null when the tenant has none). */
export interface StoredCredentials extends SealedSecret {
  dataKey: SealedSecret | null;
}

/** Seals a tenant's credentials with its data key, which is created on first use. */
export async function sealForTenant(
  prisma: PrismaClient,
  keyring: Keyring,
  tenantId: string,
  value: unknown,
): Promise<SealedSecret> {
  const dataKey = await tenantDataKey(prisma, keyring, tenantId);
  return { ciphertext: sealWithDataKey(dataKey, value, tenantId), keyId: TENANT_DATA_KEY_ID };
}

/**
 * Opens stored credentials: the envelope form with the tenant's data key, the old form with the
 * keyring. Once the tenant's data key is deleted (with the tenant) its credentials never open again.
 */
export function openStoredCredentials(keyring: Keyring, tenantId: string, stored: StoredCredentials): unknown {
  if (stored.keyId !== TENANT_DATA_KEY_ID) return keyring.open(stored);
  if (!stored.dataKey) {
    throw new ConveyorError({ code: 'FORBIDDEN', message: 'the tenant has no data key: its credentials cannot be opened' });
  }
  return openWithDataKey(keyring.unwrapKey(stored.dataKey, tenantId), stored.ciphertext, tenantId);
}

/** The tenant's data key, opened; created and wrapped under the keyring's active key when it has none (one per tenant, whoever writes first). */
async function tenantDataKey(prisma: PrismaClient, keyring: Keyring, tenantId: string): Promise<Uint8Array> {
  const known = await readWrappedKey(prisma, tenantId);
  if (known) return keyring.unwrapKey(known, tenantId);
  const fresh = createDataKey();
  const wrapped = keyring.wrapKey(fresh, tenantId);
  const { count } = await prisma.tenantDataKey.createMany({
    data: [{ tenantId, wrappedKey: Buffer.from(wrapped.ciphertext), wrapKeyId: wrapped.keyId }],
    skipDuplicates: true,
  });
  if (count === 1) return fresh;
  const winner = await readWrappedKey(prisma, tenantId);
  if (!winner) throw new ConveyorError({ code: 'NOT_FOUND', message: `tenant ${tenantId} not found` });
  return keyring.unwrapKey(winner, tenantId);
}

async function readWrappedKey(prisma: PrismaClient, tenantId: string): Promise<SealedSecret | null> {
  const row = await prisma.tenantDataKey.findUnique({ where: { tenantId }, select: { wrappedKey: true, wrapKeyId: true } });
  return row && { ciphertext: row.wrappedKey, keyId: row.wrapKeyId };
}

export interface ResealReport {
  /** Data keys wrapped again under the active key. */
  dataKeysRewrapped: number;
  /** Connections moved from the old form (sealed by the keyring) to their tenant's data key. */
  connectionsMigrated: number;
}

const BATCH = 200;

/**
 * Key rotation, idempotent: every data key not wrapped by the active keyring key is wrapped again
 * (the credentials it seals stay as they are), and every connection still in the old form is sealed
 * with its tenant's data key. A row changed meanwhile by someone else is left to them.
 */
export async function resealCredentials(prisma: PrismaClient, keyring: Keyring): Promise<ResealReport> {
  let dataKeysRewrapped = 0;
  const stale = await prisma.tenantDataKey.findMany({
    where: { wrapKeyId: { not: keyring.activeKeyId } },
    select: { tenantId: true, wrappedKey: true, wrapKeyId: true },
  });
  for (const row of stale) {
    const dataKey = keyring.unwrapKey({ ciphertext: row.wrappedKey, keyId: row.wrapKeyId }, row.tenantId);
    const wrapped = keyring.wrapKey(dataKey, row.tenantId);
    const { count } = await prisma.tenantDataKey.updateMany({
      where: { tenantId: row.tenantId, wrapKeyId: row.wrapKeyId },
      data: { wrappedKey: Buffer.from(wrapped.ciphertext), wrapKeyId: wrapped.keyId },
    });
    dataKeysRewrapped += count;
  }
  let connectionsMigrated = 0;
  for (let after: string | undefined; ; ) {
    const batch = await prisma.connection.findMany({
      where: { credentialsKeyId: { not: TENANT_DATA_KEY_ID }, ...(after ? { id: { gt: after } } : {}) },
      select: { id: true, tenantId: true, credentialsCiphertext: true, credentialsKeyId: true },
      orderBy: { id: 'asc' },
      take: BATCH,
    });
    for (const row of batch) {
      const value = keyring.open({ ciphertext: row.credentialsCiphertext, keyId: row.credentialsKeyId });
      const sealed = await sealForTenant(prisma, keyring, row.tenantId, value);
      const { count } = await prisma.connection.updateMany({
        where: { id: row.id, credentialsKeyId: row.credentialsKeyId },
        data: { credentialsCiphertext: Buffer.from(sealed.ciphertext), credentialsKeyId: sealed.keyId },
      });
      connectionsMigrated += count;
    }
    if (batch.length < BATCH) break;
    after = batch.at(-1)?.id;
  }
  return { dataKeysRewrapped, connectionsMigrated };
}
