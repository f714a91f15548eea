export { FERRETDB_VERSION, type PrivateFerretDB, startPrivateFerretDB } from './ferretdb';
export {
  hasuraRunInsertedEvent,
  insertRun,
  seedWebhookTrigger,
  seedWorkflow,
  type TenantFixture,
  waitFor,
} from './fixtures';
export { type AppRuntime, freePort, type ServiceProcess, startService } from './harness';
export { createTestMongo, type TestMongo } from './mongo';
export { migrationsDir, repoRoot } from './paths';
export { createTestDatabase, type TestDatabase } from './pg';
export { createTestRedis, type TestRedis } from './redis';
export { testServices, uniqueSuffix, withDatabase } from './services';
