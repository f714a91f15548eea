/**
 * `npm run db:migrate`: creates DATABASE_URL's database if needed and applies pending migrations,
 * recording them in `_prisma_migrations` as `prisma migrate deploy` would.
 */
import path from 'node:path';
import { loadCommonConfig } from '@conveyor/config';
import { applyMigrations, ensureDatabase } from '@conveyor/db';

const config = loadCommonConfig();
const migrationsDir = path.resolve(import.meta.dirname, '..', 'prisma', 'migrations');

if (await ensureDatabase(config.database.url)) console.log('[migrate] created the database');
const { applied, alreadyApplied } = await applyMigrations({ databaseUrl: config.database.url, migrationsDir });
console.log(
  `[migrate] applied ${applied.length} migration(s)${applied.length ? `: ${applied.join(', ')}` : ''}; ${alreadyApplied.length} already applied`,
);
