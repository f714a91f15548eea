import { loadCommonConfig } from '@conveyor/config';

/**
 * Where the test services live. The same variables as the apps (DATABASE_URL, REDIS_URL,
 * MONGO_URL), read through config; test databases are created next to DATABASE_URL's database.
 */
export function testServices() {
  const config = loadCommonConfig();
  return { databaseUrl: config.database.url, redisUrl: config.redis.url, mongoUrl: config.mongo.url };
}

/** A short random suffix for names that must not collide between parallel test files. */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** The same server as `url`, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * The migrated database every test database is cloned from, named after DATABASE_URL's database
 * (`conveyor` → `conveyor_test_template`), so two checkouts pointed at two databases never share one.
 */
export function templateDatabase(): string {
  return `${new URL(testServices().databaseUrl).pathname.slice(1) || 'conveyor'}_test_template`;
}
