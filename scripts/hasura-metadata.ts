/**
 * `npm run hasura:metadata`: writes hasura/metadata/databases/default/tables/ (one file per table
 * plus tables.yaml) from the declarative spec in `hasura-tables/tables.ts`, so every permission gets
 * the same tenant and membership rules. `-- --check` only reports files that differ (tests/hasura
 * checks the same).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderTableFiles, staleTableFiles, TABLES_DIR } from './hasura-tables/table-files';

if (process.argv.includes('--check')) {
  const stale = staleTableFiles();
  if (stale.length) {
    console.error(`[hasura:metadata] out of date: ${stale.join(', ')} — run npm run hasura:metadata`);
    process.exit(1);
  }
  console.log('[hasura:metadata] up to date');
} else {
  mkdirSync(TABLES_DIR, { recursive: true });
  const files = renderTableFiles();
  for (const name of readdirSync(TABLES_DIR)) if (name.endsWith('.yaml') && !files.has(name)) rmSync(path.join(TABLES_DIR, name));
  for (const [name, content] of files) writeFileSync(path.join(TABLES_DIR, name), content);
  console.log(`[hasura:metadata] wrote ${files.size} files to ${path.relative(process.cwd(), TABLES_DIR)}`);
}
