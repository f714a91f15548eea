export { createPrismaClient, type DbOptions, type PrismaClient } from './client';
export { databaseNameOf, dropDatabase, ensureDatabase } from './database-admin';
export { Prisma } from './generated/prisma/client';
export type * from './generated/prisma/models';
export { applyMigrations, type MigrateOptions, type MigrateResult } from './migrate';
export { scopeToTenant, type TenantScopedClient } from './tenant-scope';
export { type RunTransition, type StepTransition, type TransitionResult, transitionRun, transitionStep } from './transitions';
