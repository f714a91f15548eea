import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';
import { createSqlPool, type IdleErrorLog, type SqlPool } from './sql';

export type { PrismaClient };

export interface DbOptions {
  url: string;
  /** Connections this process may hold; replicas × poolSize must stay under PostgreSQL's max_connections. */
  poolSize: number;
  /** Where a failed idle connection is reported (it never ends the process). */
  log?: IdleErrorLog | undefined;
}

/**
 * One connection pool and two ways to use it: Prisma's Rust-free client (over node-postgres, no
 * engine binary) for CRUD, and the bare pool for the run and step state transitions.
 */
export interface Database {
  prisma: PrismaClient;
  pool: SqlPool;
  close(): Promise<void>;
}

export function createDatabase(options: DbOptions): Database {
  const pool = createSqlPool(options);
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
