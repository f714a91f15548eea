import { verifyToken } from '@conveyor/auth';
import { seedWorkflow, type TenantFixture } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliEnvironment, createCliEnvironment, runCli } from '../test/test-cli';

// `conveyor dev token` through the workspace bin (bin/conveyor.mjs), as an operator runs it.

const JWT = {
  jwtSecret: 'cli-test-jwt-secret-0123456789abcdef',
  issuer: 'conveyor',
  audience: 'conveyor-api',
  maxAgeSeconds: 86_400,
};
let cli: CliEnvironment;
let env: Record<string, string>;
let tenant: TenantFixture & { slug: string };

beforeAll(async () => {
  cli = await createCliEnvironment('cli_token');
  env = { ...cli.env, AUTH_JWT_SECRET: JWT.jwtSecret };
  const slug = `token-${cli.redis.prefix.slice(-8)}`;
  tenant = { slug, ...(await seedWorkflow(cli.db.prisma, { steps: [] }, { slug })) };
});

afterAll(async () => {
  await cli?.cleanup();
});

describe('conveyor dev token', () => {
  it('prints only a JWT that verifyToken accepts, for the tenant’s first ADMIN member by default', async () => {
    const { code, stdout, stderr } = await runCli(['dev', 'token', '--tenant', tenant.slug], env, { via: 'bin' });

    expect(code).toBe(0);
    const token = stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect(await verifyToken(token, JWT)).toEqual({
      kind: 'user',
      tenantId: tenant.tenantId,
      userId: tenant.userId,
      role: 'user',
      expiresAt: expect.any(Date),
    });
    expect(await verifyToken(token, { ...JWT, jwtSecret: 'another-secret-0123456789abcdef0123' })).toBeNull();
    expect(stderr).toContain(`member@${tenant.slug}.test`);
  });

  it('with --json, names the member and the expiry; --user and --hours choose them', async () => {
    const member = await cli.db.prisma.user.create({ data: { email: `second@${tenant.slug}.test` } });
    await cli.db.prisma.membership.create({ data: { tenantId: tenant.tenantId, userId: member.id, role: 'MEMBER' } });

    const { code, stdout } = await runCli(
      ['dev', 'token', '--tenant', tenant.slug, '--user', member.email, '--hours', '0.5', '--json'],
      env,
      { via: 'bin' },
    );

    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ tenantId: tenant.tenantId, userId: member.id, email: member.email });
    const lifetimeMs = Date.parse(result.expiresAt) - Date.now();
    expect(lifetimeMs).toBeGreaterThan(25 * 60_000);
    expect(lifetimeMs).toBeLessThanOrEqual(30 * 60_000);
    expect(await verifyToken(result.token, JWT)).toMatchObject({ userId: member.id });
  });

  it('exits 1 for a user who is not a member, 2 for bad --hours', async () => {
    const stranger = await runCli(['dev', 'token', '--tenant', tenant.slug, '--user', 'nobody@example.test'], env);
    expect(stranger.code).toBe(1);
    expect(stranger.stdout).toBe('');
    expect(stranger.stderr).toContain(`nobody@example.test is not a member of tenant "${tenant.slug}" (--user)`);

    const hours = await runCli(['dev', 'token', '--tenant', tenant.slug, '--hours', 'zero'], env);
    expect(hours.code).toBe(2);
    expect(hours.stderr).toContain('--hours must be a positive number, got "zero"');
  });
});

describe('conveyor (the bin)', () => {
  it('lists the commands for --help, and exits 2 for an unknown one', async () => {
    const help = await runCli(['--help'], env, { via: 'bin' });
    expect(help.code).toBe(0);
    for (const command of ['runs start', 'runs watch', 'logs tail', 'queues', 'reconcile', 'dev token']) {
      expect(help.stdout).toContain(command);
    }

    const usage = await runCli(['runs', 'start', '--help'], env, { via: 'bin' });
    expect(usage.code).toBe(0);
    expect(usage.stdout).toMatch(/^Usage: conveyor runs start <workflow>/);

    const unknown = await runCli(['runs', 'stop'], env, { via: 'bin' });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "runs stop"');
  });
});
