import { ConveyorError } from '@conveyor/errors';
import type { PrismaClient } from './client';

/** Models whose every row belongs to exactly one tenant. */
const tenantOwned = new Set([
  'Membership',
  'Invitation',
  'Connection',
  'Workflow',
  'WorkflowVersion',
  'Trigger',
  'WorkflowRun',
  'StepRun',
]);
/** Catalogue models: rows with a null tenant are built-ins every tenant may read, never write. */
const sharedCatalogue = new Set(['App', 'AppVersion', 'Action']);

const readOperations = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'count',
  'aggregate',
  'groupBy',
]);
const createOperations = new Set(['create', 'createMany', 'createManyAndReturn']);

type Args = Record<string, unknown> & { where?: Record<string, unknown>; data?: unknown; create?: unknown };

/**
 * A Prisma client whose every top-level query is confined to one tenant: reads, updates and
 * deletes get a tenant filter; creates must name the scope's tenant (the types ask for it) and
 * any write that names another tenant is refused before it reaches the database.
 * Nested writes are not rewritten: repositories create related rows at the top level.
 */
export function scopeToTenant(prisma: PrismaClient, tenantId: string) {
  return prisma.$extends({
    name: `tenant:${tenantId}`,
    query: {
      $allModels: {
        $allOperations({ model, operation, args, query }) {
          return query(scopeArgs(model, operation, (args ?? {}) as Args, tenantId));
        },
      },
    },
  });
}

export type TenantScopedClient = ReturnType<typeof scopeToTenant>;

function scopeArgs(model: string, operation: string, args: Args, tenantId: string): Args {
  if (model === 'Tenant') return scopeTenantModel(operation, args, tenantId);
  if (model === 'User') return readOperations.has(operation) ? withWhere(args, { memberships: { some: { tenantId } } }) : args;
  if (tenantOwned.has(model)) return scopeOwned(model, operation, args, tenantId);
  if (sharedCatalogue.has(model)) {
    return readOperations.has(operation)
      ? withWhere(args, { OR: [{ tenantId }, { tenantId: null }] })
      : scopeOwned(model, operation, args, tenantId);
  }
  throw new ConveyorError({ code: 'INTERNAL', message: `model ${model} has no tenant scope rule`, details: { model } });
}

function scopeOwned(model: string, operation: string, args: Args, tenantId: string): Args {
  if (createOperations.has(operation)) return { ...args, data: withTenant(model, args.data, tenantId) };
  if (operation === 'upsert') {
    assertSameTenant(model, args.update, tenantId);
    return { ...withWhere(args, { tenantId }), create: withTenant(model, args.create, tenantId) };
  }
  assertSameTenant(model, args.data, tenantId);
  return withWhere(args, { tenantId });
}

function scopeTenantModel(operation: string, args: Args, tenantId: string): Args {
  if (createOperations.has(operation) || operation === 'upsert') {
    throw new ConveyorError({ code: 'FORBIDDEN', message: 'a tenant-scoped client cannot create tenants' });
  }
  return withWhere(args, { id: tenantId });
}

function withWhere(args: Args, filter: Record<string, unknown>): Args {
  const where = args.where ?? {};
  const existing = where.AND;
  const and = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  return { ...args, where: { ...where, AND: [...and, filter] } };
}

function withTenant(model: string, data: unknown, tenantId: string): unknown {
  if (Array.isArray(data)) return data.map((row) => withTenant(model, row, tenantId));
  assertSameTenant(model, data, tenantId);
  return { ...(data as object), tenantId };
}

function assertSameTenant(model: string, data: unknown, tenantId: string): void {
  const given = (data as { tenantId?: unknown } | undefined)?.tenantId;
  if (given !== undefined && given !== tenantId) {
    throw new ConveyorError({
      code: 'FORBIDDEN',
      message: `${model}.tenantId must be the scope's tenant`,
      details: { model, tenantId, given },
    });
  }
}
