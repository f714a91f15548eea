import { applyMigrations, dropDatabase, ensureDatabase } from '@conveyor/db';
import { migrationsDir, TEMPLATE_DATABASE } from './paths';
import { testServices, withDatabase } from './services';

/**
 * Runs once before the integration tests: rebuilds the template database from the migrations,
 * so every test file can clone a migrated database in milliseconds.
 */
export default async function setup(): Promise<void> {
  const templateUrl = withDatabase(testServices().databaseUrl, TEMPLATE_DATABASE);
  await dropDatabase(templateUrl);
  await ensureDatabase(templateUrl);
  await applyMigrations({ databaseUrl: templateUrl, migrationsDir });
}
