/** The shape of the declarative table spec in `tables.ts`: roles, tenant scopes, per-role permissions. */
export type Role = 'user' | 'tenant_admin';
export const ROLES: readonly Role[] = ['user', 'tenant_admin'];

export type BoolExp = Record<string, unknown>;

/** How a table's rows belong to a tenant. */
export type Scope =
  /** `tenantId` NOT NULL: the tenant's own rows. */
  | 'tenant'
  /** `tenantId` nullable: null rows are built in and readable by every member (never writable). */
  | 'tenant-or-built-in'
  /** The Tenant table itself: `id` is the tenant. */
  | 'tenant-row'
  /** The User table: people who hold a membership in the caller's tenant. */
  | 'co-member';

export interface SelectSpec {
  columns: string[];
  allowAggregations?: boolean;
  /** Extra conditions ANDed after the tenant rules. */
  filter?: BoolExp[];
}
export interface InsertSpec {
  columns: string[];
  /** Static presets besides tenantId/createdById. */
  set?: Record<string, string>;
  check?: BoolExp[];
  /** The api route (under CONVEYOR_API_URL) Hasura sends the rows to before it writes them. */
  validateInput?: string;
}
export interface UpdateSpec {
  columns: string[];
  filter?: BoolExp[];
  validateInput?: string;
}
export interface DeleteSpec {
  filter?: BoolExp[];
}
export type PerRole<T> = Partial<Record<Role, T>>;

export interface TableSpec {
  name: string;
  scope: Scope;
  /** Whether the table has a `createdById` column preset from X-Hasura-User-Id on insert. */
  createdBy?: boolean;
  comment?: string;
  /** [relationship name, FK column on this table] */
  object?: [string, string][];
  /** [relationship name, other table, FK column on the other table] */
  array?: [string, string, string][];
  select?: PerRole<SelectSpec>;
  insert?: PerRole<InsertSpec>;
  update?: PerRole<UpdateSpec>;
  delete?: PerRole<DeleteSpec>;
  eventTriggers?: unknown[];
}
