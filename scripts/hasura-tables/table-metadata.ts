import { type BoolExp, type PerRole, ROLES, type Role, type Scope, type TableSpec } from './table-spec';

/**
 * The Hasura table metadata of one spec entry, keys in the order `hasura metadata export` writes them:
 * relationships, and per-role permissions that all start with the tenant and membership rules of the
 * table's scope (the permission model is described in `tables.ts`).
 */
export function tableMetadata(spec: TableSpec): Record<string, unknown> {
  const rules = (role: Role, operation: 'select' | 'insert' | 'update' | 'delete', extra: BoolExp[] = []) => ({
    _and: [...tenantRules(spec.scope, role, operation), ...extra],
  });
  const perRole = <T>(entries: PerRole<T> | undefined, build: (role: Role, value: T) => Record<string, unknown>) =>
    ROLES.flatMap((role) => {
      const value = entries?.[role];
      return value ? [{ role, permission: build(role, value) }] : [];
    });
  const presets = (extra: Record<string, string> = {}) => ({
    tenantId: 'X-Hasura-Tenant-Id',
    ...(spec.createdBy ? { createdById: 'X-Hasura-User-Id' } : {}),
    ...extra,
  });

  const insert = perRole(spec.insert, (role, value) => ({
    check: rules(role, 'insert', value.check),
    set: presets(value.set),
    columns: value.columns,
    ...validateInput(value.validateInput),
  }));
  const select = perRole(spec.select, (role, value) => ({
    columns: value.columns,
    filter: rules(role, 'select', value.filter),
    ...(value.allowAggregations ? { allow_aggregations: true } : {}),
  }));
  const update = perRole(spec.update, (role, value) => ({
    columns: value.columns,
    filter: rules(role, 'update', value.filter),
    check: rules(role, 'update'),
    ...validateInput(value.validateInput),
  }));
  const remove = perRole(spec.delete, (role, value) => ({ filter: rules(role, 'delete', value.filter) }));

  return omitEmpty({
    table: { name: spec.name, schema: 'public' },
    ...(spec.comment ? { configuration: { comment: spec.comment } } : {}),
    object_relationships: (spec.object ?? []).map(([name, column]) => ({ name, using: { foreign_key_constraint_on: column } })),
    array_relationships: (spec.array ?? []).map(([name, table, column]) => ({
      name,
      using: { foreign_key_constraint_on: { column, table: { name: table, schema: 'public' } } },
    })),
    insert_permissions: insert,
    select_permissions: select,
    update_permissions: update,
    delete_permissions: remove,
    event_triggers: spec.eventTriggers ?? [],
  });
}

/**
 * Hasura's input validation (v2.29+): the mutation's rows go to the api, behind the shared secret,
 * before Hasura opens its transaction; a 400 refuses the mutation with the api's message.
 */
function validateInput(route: string | undefined): Record<string, unknown> {
  if (!route) return {};
  return {
    validate_input: {
      type: 'http',
      definition: {
        url: `{{CONVEYOR_API_URL}}${route}`,
        headers: [{ name: 'x-conveyor-hook-secret', value_from_env: 'CONVEYOR_HOOK_SECRET' }],
        forward_client_headers: false,
        timeout: 10,
      },
    },
  };
}

/** `tenantId = X-Hasura-Tenant-Id` AND the caller's membership in that tenant (ADMIN for tenant_admin). */
function tenantRules(scope: Scope, role: Role, operation: 'select' | 'insert' | 'update' | 'delete'): BoolExp[] {
  const membership = {
    _exists: {
      _table: { name: 'Membership', schema: 'public' },
      _where: {
        _and: [
          { tenantId: { _eq: 'X-Hasura-Tenant-Id' } },
          { userId: { _eq: 'X-Hasura-User-Id' } },
          ...(role === 'tenant_admin' ? [{ role: { _eq: 'ADMIN' } }] : []),
        ],
      },
    },
  };
  switch (scope) {
    case 'tenant':
      return [{ tenantId: { _eq: 'X-Hasura-Tenant-Id' } }, membership];
    case 'tenant-or-built-in':
      // Built-in rows (tenantId null) are readable, never writable.
      return operation === 'select'
        ? [{ _or: [{ tenantId: { _is_null: true } }, { tenantId: { _eq: 'X-Hasura-Tenant-Id' } }] }, membership]
        : [{ tenantId: { _eq: 'X-Hasura-Tenant-Id' } }, membership];
    case 'tenant-row':
      return [{ id: { _eq: 'X-Hasura-Tenant-Id' } }, membership];
    case 'co-member':
      return [{ memberships: { tenantId: { _eq: 'X-Hasura-Tenant-Id' } } }, membership];
    default:
      return assertNever(scope);
  }
}

function omitEmpty(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => !(Array.isArray(value) && value.length === 0)));
}

function assertNever(value: never): never {
  throw new Error(`unexpected ${String(value)}`);
}
