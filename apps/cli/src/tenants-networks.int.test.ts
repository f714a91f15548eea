import { createTestDatabase, type TestDatabase } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test/test-cli';

// `conveyor tenants networks`: the platform's way to write a tenant's private-network allowlist.
let db: TestDatabase;
let env: Record<string, string>;
beforeAll(async () => {
  db = await createTestDatabase('i13sec_cli_networks');
  env = { DATABASE_URL: db.url, LOG_LEVEL: 'warn' };
  await db.prisma.tenant.create({ data: { slug: 'nets', name: 'nets' } });
});
afterAll(async () => {
  await db?.drop();
});

const stored = async () => (await db.prisma.tenant.findUniqueOrThrow({ where: { slug: 'nets' } })).allowPrivateNetworks;

describe('conveyor tenants networks', () => {
  it('sets, shows and clears a tenant’s list', async () => {
    const set = await runCli(['tenants', 'networks', '--tenant', 'nets', '--set', '10.1.0.0/16, 127.0.0.1/32', '--json'], env);
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ tenant: 'nets', allowPrivateNetworks: ['10.1.0.0/16', '127.0.0.1/32'] });
    expect(await stored()).toEqual(['10.1.0.0/16', '127.0.0.1/32']);

    const shown = await runCli(['tenants', 'networks', '--tenant', 'nets'], env);
    expect(shown.stdout).toContain('tenant nets: private networks 10.1.0.0/16, 127.0.0.1/32');

    expect((await runCli(['tenants', 'networks', '--tenant', 'nets', '--clear'], env)).code).toBe(0);
    expect(await stored()).toEqual([]);
  });

  it('refuses an entry that is not a CIDR with exit 2, naming it, and changes nothing', async () => {
    await runCli(['tenants', 'networks', '--tenant', 'nets', '--set', '127.0.0.1/32'], env);
    const bad = await runCli(['tenants', 'networks', '--tenant', 'nets', '--set', '127.0.0.1/32,10.0.0.0/33'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--set: not an IP address or CIDR: "10.0.0.0/33"');
    expect(await stored()).toEqual(['127.0.0.1/32']);
  });

  it('answers 1 for an unknown tenant', async () => {
    const missing = await runCli(['tenants', 'networks', '--tenant', 'nobody'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('tenant "nobody" not found');
  });
});
