import { randomBytes } from 'node:crypto';
import { getSealedConnection, insertConnection, openStoredCredentials } from '@conveyor/db';
import { createKeyring } from '@conveyor/secrets';
import { createTestDatabase, type TestDatabase } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test/test-cli';

// `conveyor keys reseal` after a key rotation: k1 sealed everything, then k2 became the active key.
const k1 = randomBytes(32);
const k2 = randomBytes(32);
const oldRing = createKeyring(new Map([['k1', k1]]), 'k1');
const newRingOnly = createKeyring(new Map([['k2', k2]]), 'k2');

let db: TestDatabase;
let env: Record<string, string>;
beforeAll(async () => {
  db = await createTestDatabase('i13sec_cli_keys');
  env = {
    DATABASE_URL: db.url,
    LOG_LEVEL: 'warn',
    CONNECTION_KEYS: `k2:${k2.toString('base64')},k1:${k1.toString('base64')}`,
  };
});
afterAll(async () => {
  await db?.drop();
});

describe('conveyor keys reseal', () => {
  it('re-wraps data keys under the active key and moves old credentials to envelope form, then finds nothing to do', async () => {
    const tenant = await db.prisma.tenant.create({ data: { slug: 'reseal', name: 'reseal' } });
    const sealed = oldRing.seal({ token: 'old-form' });
    const old = await db.prisma.connection.create({
      data: {
        tenantId: tenant.id,
        name: 'old',
        credentialsCiphertext: Buffer.from(sealed.ciphertext),
        credentialsKeyId: sealed.keyId,
      },
    });
    const fresh = await insertConnection(db.prisma, oldRing, {
      tenantId: tenant.id,
      appId: null,
      name: 'fresh',
      credentials: { token: 'envelope' },
      createdById: null,
    });
    if (fresh.kind !== 'created') throw new Error('not created');

    const first = await runCli(['keys', 'reseal', '--json'], env);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ activeKeyId: 'k2', dataKeysRewrapped: 1, connectionsMigrated: 1 });

    const again = await runCli(['keys', 'reseal'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('re-sealed under key k2');
    expect(again.stdout).toMatch(/tenant data keys re-wrapped\s+0/);
    expect(again.stdout).toMatch(/connections moved to envelope form\s+0/);

    // k1 can leave CONNECTION_KEYS: both connections open with k2 alone
    for (const [connectionId, token] of [
      [old.id, 'old-form'],
      [fresh.connectionId, 'envelope'],
    ] as const) {
      const stored = await getSealedConnection(db.pool, { tenantId: tenant.id, connectionId });
      expect(stored && openStoredCredentials(newRingOnly, tenant.id, stored)).toEqual({ token });
    }
  });
});
