import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiConfig } from '@conveyor/config';
import type { PrismaClient, SqlPool } from '@conveyor/db';
import type { LogStore } from '@conveyor/logs';
import type { Logger, Registry } from '@conveyor/observability';
import type { Producers, Redis } from '@conveyor/queue';
import type { Keyring } from '@conveyor/secrets';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

export interface ApiDeps {
  config: Readonly<ApiConfig>;
  log: Logger;
  prisma: PrismaClient;
  /** The pool Prisma runs on: run state transitions use it directly. */
  pool: SqlPool;
  redis: Redis;
  producers: Producers;
  logStore: LogStore;
  /** Seals connection credentials (createConnection). */
  keyring: Keyring;
  metrics: Registry;
}

export type ConveyorApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;
