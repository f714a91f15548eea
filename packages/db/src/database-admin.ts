import pg from 'pg';

/** Splits a PostgreSQL URL into the maintenance-database URL and the database name. */
export function databaseNameOf(url: string): { adminUrl: string; database: string } {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  parsed.pathname = '/postgres';
  return { adminUrl: parsed.toString(), database };
}

/** Creates the database named in `url` unless it exists. Returns whether it was created. */
export async function ensureDatabase(url: string, template?: string): Promise<boolean> {
  const { adminUrl, database } = databaseNameOf(url);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return false;
    const from = template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : '';
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}${from}`);
    return true;
  } finally {
    await admin.end();
  }
}

/** Drops the database named in `url`, closing whatever still holds a connection to it. */
export async function dropDatabase(url: string): Promise<void> {
  const { adminUrl, database } = databaseNameOf(url);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
