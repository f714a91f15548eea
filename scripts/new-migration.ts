/**
 * Writes the next migration: the SQL that takes the schema of the latest migration (a snapshot
 * kept beside its migration.sql) to prisma/schema.prisma. Usage: npm run db:migration -- <name>
 * It uses `prisma migrate diff` between two datamodels, which runs offline as WebAssembly.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const migrationsDir = path.join(root, 'prisma', 'migrations');
const schemaPath = path.join(root, 'prisma', 'schema.prisma');

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: npm run db:migration -- <name>   (lowercase letters, digits and _)');
  process.exit(2);
}

const previous = existsSync(migrationsDir)
  ? readdirSync(migrationsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
      .at(-1)
  : undefined;
const from = previous ? ['--from-schema-datamodel', path.join(migrationsDir, previous, 'schema.prisma')] : ['--from-empty'];

const sql = execFileSync('npx', ['prisma', 'migrate', 'diff', ...from, '--to-schema-datamodel', schemaPath, '--script'], {
  cwd: root,
  encoding: 'utf8',
  env: { ...process.env, DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (!sql.trim() || sql.includes('This is an empty migration')) {
  console.log('schema.prisma matches the latest migration: nothing to write');
  process.exit(0);
}

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = path.join(migrationsDir, `${stamp}_${name}`);
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'migration.sql'), sql);
copyFileSync(schemaPath, path.join(dir, 'schema.prisma'));
if (!existsSync(path.join(migrationsDir, 'migration_lock.toml'))) {
  writeFileSync(path.join(migrationsDir, 'migration_lock.toml'), 'provider = "postgresql"\n');
}
console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
