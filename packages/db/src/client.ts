import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/prisma/client';

export type { PrismaClient };

export interface DbOptions {
  url: string;
  /** Connections this process may hold; replicas × poolSize must stay under PostgreSQL's max_connections. */
  poolSize: number;
}

/** Prisma's Rust-free client over node-postgres: no engine binary to download or ship. */
export function createPrismaClient({ url, poolSize }: DbOptions): PrismaClient {
  const adapter = new PrismaPg({ connectionString: url, max: poolSize });
  return new PrismaClient({ adapter });
}
