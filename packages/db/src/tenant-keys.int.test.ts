import { randomBytes } from 'node:crypto';
import { createKeyring, type Keyring } from '@conveyor/secrets';
import { createTestDatabase, type TestDatabase } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSealedConnection, insertConnection, openStoredCredentials, resealCredentials, TENANT_DATA_KEY_ID } from './index';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const before = createKeyring(new Map([['k1', k1]]), 'k1');
const rotated = createKeyring(
  new Map([
    ['k1', k1],
    ['k2', k2],
  ]),
  'k2',
);
const retired = createKeyring(new Map([['k2', k2]]), 'k2');

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('tenant_keys');
});
afterAll(async () => {
  await db.drop();
});

async function tenant() {
  const slug = `keys-${randomBytes(4).toString('hex')}`;
  return (await db.prisma.tenant.create({ data: { slug, name: slug } })).id;
}

async function connect(keyring: Keyring, tenantId: string, credentials: object) {
  const stored = await insertConnection(db.prisma, keyring, {
    tenantId,
    appId: null,
    name: `c-${randomBytes(4).toString('hex')}`,
    credentials,
    createdById: null,
  });
  if (stored.kind !== 'created') throw new Error('not created');
  return stored.connectionId;
}

/** A connection in the old form: sealed by the keyring itself, as rows written before envelope encryption. */
async function connectOldForm(keyring: Keyring, tenantId: string, credentials: object) {
  const sealed = keyring.seal(credentials);
  const row = await db.prisma.connection.create({
    data: {
      tenantId,
      name: `old-${randomBytes(4).toString('hex')}`,
      credentialsCiphertext: Buffer.from(sealed.ciphertext),
      credentialsKeyId: sealed.keyId,
    },
  });
  return row.id;
}

async function open(keyring: Keyring, tenantId: string, connectionId: string) {
  const stored = await getSealedConnection(db.pool, { tenantId, connectionId });
  if (!stored) throw new Error('no connection');
  return openStoredCredentials(keyring, tenantId, stored);
}

describe('envelope encryption of connection credentials', () => {
  it('seals with a per-tenant data key, wrapped by the active keyring key; old-form rows still open', async () => {
    const tenantId = await tenant();
    const fresh = await connect(before, tenantId, { apiKey: 'sk_new' });
    const old = await connectOldForm(before, tenantId, { apiKey: 'sk_old' });
    const row = await db.prisma.connection.findUniqueOrThrow({ where: { id: fresh } });
    expect(row.credentialsKeyId).toBe(TENANT_DATA_KEY_ID);
    expect(await db.prisma.tenantDataKey.findUniqueOrThrow({ where: { tenantId } })).toMatchObject({ wrapKeyId: 'k1' });
    expect(await open(before, tenantId, fresh)).toEqual({ apiKey: 'sk_new' });
    expect(await open(before, tenantId, old)).toEqual({ apiKey: 'sk_old' });
    // one data key per tenant, however many connections
    await connect(before, tenantId, { apiKey: 'sk_more' });
    expect(await db.prisma.tenantDataKey.count({ where: { tenantId } })).toBe(1);
  });

  it('reseal re-wraps every data key under the active key and moves old-form credentials to envelope form, idempotently', async () => {
    await resealCredentials(db.prisma, before); // earlier tests' rows: start from a resealed state
    const tenantId = await tenant();
    const fresh = await connect(before, tenantId, { token: 'one' });
    const old = await connectOldForm(before, tenantId, { token: 'two' });
    const otherTenant = await tenant();
    const onlyOld = await connectOldForm(before, otherTenant, { token: 'three' });

    const first = await resealCredentials(db.prisma, rotated);
    expect(first.connectionsMigrated).toBe(2);
    expect(first.dataKeysRewrapped).toBeGreaterThanOrEqual(1);
    expect(await resealCredentials(db.prisma, rotated)).toEqual({ dataKeysRewrapped: 0, connectionsMigrated: 0 });

    // k1 retired: everything opens with k2 alone
    expect(await open(retired, tenantId, fresh)).toEqual({ token: 'one' });
    expect(await open(retired, tenantId, old)).toEqual({ token: 'two' });
    expect(await open(retired, otherTenant, onlyOld)).toEqual({ token: 'three' });
    expect(await db.prisma.connection.count({ where: { credentialsKeyId: { not: TENANT_DATA_KEY_ID } } })).toBe(0);
    expect(await db.prisma.tenantDataKey.count({ where: { wrapKeyId: { not: 'k2' } } })).toBe(0);
  });

  it('shreds a deleted tenant’s credentials: its key row goes with it, and a copy of the ciphertext never opens again', async () => {
    const tenantId = await tenant();
    const connectionId = await connect(before, tenantId, { apiKey: 'sk_shredded' });
    const copy = await getSealedConnection(db.pool, { tenantId, connectionId });
    if (!copy) throw new Error('no connection');
    expect(openStoredCredentials(before, tenantId, copy)).toEqual({ apiKey: 'sk_shredded' });

    await db.prisma.tenant.delete({ where: { id: tenantId } });
    expect(await db.prisma.tenantDataKey.count({ where: { tenantId } })).toBe(0);
    // the ciphertext as a backup or a leak would hold it, without its key row
    expect(() => openStoredCredentials(before, tenantId, { ...copy, dataKey: null })).toThrow(/no data key/);
    // nor under another tenant's key
    const other = await tenant();
    await connect(before, other, { x: 1 });
    const key = await db.prisma.tenantDataKey.findUniqueOrThrow({ where: { tenantId: other } });
    const theirs = { ciphertext: key.wrappedKey, keyId: key.wrapKeyId };
    expect(() => openStoredCredentials(before, other, { ...copy, dataKey: theirs })).toThrow(/failed authentication/);
  });
});
