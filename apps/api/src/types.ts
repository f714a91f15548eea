import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JwtSettings } from '@conveyor/auth';
import type { PayloadLimits } from '@conveyor/config';
import type { PrismaClient, SqlPool } from '@conveyor/db';
import type { LogStore } from '@conveyor/logs';
import type { Logger, Registry } from '@conveyor/observability';
import type { Queues, Redis } from '@conveyor/queue';
import type { BacklogBound, Runs } from '@conveyor/runs';
import type { Keyring } from '@conveyor/secrets';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';

/** What the api's modules are built from (compose.ts makes it): connections, and the settings they need, one by one. */
export interface ApiDeps {
  log: Logger;
  prisma: PrismaClient;
  /** The pool Prisma runs on: run state transitions use it directly. */
  pool: SqlPool;
  redis: Redis;
  /** The raw queues, for the queue gauges and readers. */
  queues: Queues;
  /** The run use cases: start, dispatch, cancel, retry. */
  runs: Runs;
  logStore: LogStore;
  /** Seals connection credentials (createConnection). */
  keyring: Keyring;
  metrics: Registry;
  /** The secret Hasura sends with its events and actions. */
  hookSecret: string;
  /** Verifies the bearer tokens of app-facing routes. */
  jwt: JwtSettings;
  /** How often a log tail polls the log store. */
  logTailPollMs: number;
  /** Failed authentications one address may make per window before it is refused (429). */
  authFailureLimits: { maxFailures: number; windowMs: number };
  /** Live log tails per user and in total. */
  logTailSlots: { perCaller: number; total: number };
  /** A schedule trigger that fires more often than this is refused when written. */
  scheduleMinIntervalMs: number;
  /** Size budgets of run inputs, step outputs and definitions. */
  payloadLimits: PayloadLimits;
  /** Webhook triggers refuse (429), and Hasura's run-insert validation refuses (400), a tenant with this many runs not yet finished. */
  admission: BacklogBound;
  /** Serve the API's description browsable at /docs (development; the JSON is at /docs/json either way). */
  serveApiDocs: boolean;
  /** Proxies whose X-Forwarded-For sets `request.ip` (addresses or CIDRs); empty, none is believed. */
  trustedProxies: string[];
}

export type ConveyorApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;
