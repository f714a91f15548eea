import { applyMigrations, dropDatabase, ensureDatabase } from '@conveyor/db';
import { migrationsDir } from './paths';
import { templateDatabase, testServices, withDatabase } from './services';

/**
 * Runs once before the integration tests: rebuilds the template database from the migrations,
 * so every test file can clone a migrated database in milliseconds.
 */
export default async function setup(): Promise<void> {
  const templateUrl = withDatabase(testServices().databaseUrl, templateDatabase());
  await dropDatabase(templateUrl);
  await ensureDatabase(templateUrl);
  await applyMigrations({ databaseUrl: templateUrl, migrationsDir });
}
