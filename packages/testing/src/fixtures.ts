import type { PrismaClient } from '@conveyor/db';
import { sha256Hex } from '@conveyor/secrets';

export interface TenantFixture {
  tenantId: string;
  userId: string;
  workflowId: string;
  versionId: string;
}

/** A tenant with one member and one workflow whose current version holds `definition`. */
export async function seedWorkflow(
  prisma: PrismaClient,
  definition: unknown,
  {
    slug = `t-${Math.random().toString(36).slice(2, 10)}`,
    isActive = true,
    allowPrivateNetworks = [],
  }: { slug?: string; isActive?: boolean; allowPrivateNetworks?: string[] } = {},
): Promise<TenantFixture> {
  const tenant = await prisma.tenant.create({ data: { slug, name: slug, allowPrivateNetworks } });
  const user = await prisma.user.create({ data: { email: `member@${slug}.test` } });
  await prisma.membership.create({ data: { tenantId: tenant.id, userId: user.id, role: 'ADMIN' } });
  const workflow = await prisma.workflow.create({ data: { tenantId: tenant.id, name: 'fixture', isActive } });
  const version = await prisma.workflowVersion.create({
    data: { tenantId: tenant.id, workflowId: workflow.id, version: 1, definition: definition as object },
  });
  await prisma.workflow.update({ where: { id: workflow.id }, data: { currentVersionId: version.id } });
  return { tenantId: tenant.id, userId: user.id, workflowId: workflow.id, versionId: version.id };
}

/** Inserts a PENDING run the way an app does through Hasura (no dispatch). */
export async function insertRun(prisma: PrismaClient, fixture: TenantFixture, input: object = {}): Promise<string> {
  const run = await prisma.workflowRun.create({ data: { tenantId: fixture.tenantId, workflowId: fixture.workflowId, input } });
  return run.id;
}

/** A WEBHOOK trigger for the fixture's workflow; returns its id and the plain secret. */
export async function seedWebhookTrigger(prisma: PrismaClient, fixture: TenantFixture, isActive = true) {
  const secret = `whsec-${Math.random().toString(36).slice(2)}`;
  const trigger = await prisma.trigger.create({
    data: {
      tenantId: fixture.tenantId,
      workflowId: fixture.workflowId,
      type: 'WEBHOOK',
      isActive,
      secretHash: sha256Hex(secret),
    },
  });
  return { triggerId: trigger.id, secret };
}

/** A Hasura event-trigger body for a WorkflowRun insert, exactly as hasura-contract §1.2 shows it. */
export function hasuraRunInsertedEvent(
  row: { id: string; tenantId: string; [column: string]: unknown },
  { retry = 0, eventId = crypto.randomUUID(), viaHasura = true }: { retry?: number; eventId?: string; viaHasura?: boolean } = {},
) {
  return {
    id: eventId,
    created_at: new Date().toISOString().replace('Z', '123Z'),
    delivery_info: { current_retry: retry, max_retries: 5 },
    trigger: { name: 'workflow_run_created' },
    table: { schema: 'public', name: 'WorkflowRun' },
    event: {
      op: 'INSERT',
      data: { old: null, new: { status: 'PENDING', input: {}, ...row } },
      session_variables: viaHasura ? { 'x-hasura-role': 'user', 'x-hasura-tenant-id': row.tenantId } : null,
      trace_context: viaHasura ? { trace_id: '6f2c9d0e41a7b3c2', span_id: 'a41b7c3d9e0f1122' } : null,
    },
  };
}

/** Polls `read` until `done(value)` holds or the time is up; returns the last value either way. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    value = await read();
  }
  return value;
}
