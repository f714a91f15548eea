import { ConveyorError } from '@conveyor/errors';
import type { Logger } from '@conveyor/observability';
import { type Collection, type Db, MongoBulkWriteError, MongoClient, type WriteError } from 'mongodb';
import {
  indexesServeQueries,
  indexSpecs,
  isIndexOptionsConflict,
  isTtlRefusal,
  LOG_COLLECTION,
  plainTimestampIndexSpec,
  retentionSeconds,
  ttlIndexSpec,
} from './index-specs';
import type { LogDocument } from './log-line';
import {
  type LogPage,
  type LogStore,
  type RejectedLogDocument,
  RejectedLogDocumentsError,
  type RetentionMode,
} from './log-store';
import { buildLogFind, cursorOf, toStoredLine } from './queries';

/**
 * The execution-log store on MongoDB (or any MongoDB wire server; FerretDB here). The database is
 * the one named in the URL's path. The same code runs on both: the only difference, retention, is
 * detected once by `init()`.
 */
export function createMongoLogStore(opts: MongoLogStoreOptions): LogStore {
  const { url, retentionDays, log } = opts;
  if (typeof retentionDays !== 'number' || !Number.isFinite(retentionDays) || retentionDays <= 0) {
    throw new ConveyorError({
      code: 'INVALID_CONFIG',
      message: 'retentionDays must be a positive number',
      details: { retentionDays },
    });
  }
  const sweepMaxBatches = Math.max(1, Math.trunc(opts.sweepMaxBatches ?? DEFAULT_SWEEP_MAX_BATCHES));
  const open = () => {
    const client = new MongoClient(url, {
      serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 5_000,
      ignoreUndefined: true,
    });
    const db = client.db(); // the database named in the URL
    return { client, db, collection: db.collection<LogDocument>(collectionName) };
  };
  const collectionName = opts.collection ?? LOG_COLLECTION;
  let current = open();
  /**
   * Runs `operation` on the current client. A client whose first connection failed (the server was
   * down when the process started) has its topology closed for good: it is replaced by a fresh one,
   * so the next attempt (the writer retries) reaches the server once it is back.
   */
  const use = async <T>(operation: (connection: ReturnType<typeof open>) => Promise<T>): Promise<T> => {
    const connection = current;
    try {
      return await operation(connection);
    } catch (error) {
      if (isTopologyClosed(error) && current === connection) {
        current = open();
        void connection.client.close().catch(() => undefined);
      }
      throw error;
    }
  };
  const retentionMs = retentionDays * 86_400_000;
  let initialized: Promise<{ retention: RetentionMode }> | null = null;

  return {
    init() {
      initialized ??= use(({ db }) => ensureCollection(db, collectionName, retentionDays, log)).catch((error: unknown) => {
        initialized = null; // a failed start-up may be tried again
        throw error;
      });
      return initialized;
    },

    async insertMany(docs) {
      if (docs.length === 0) return;
      try {
        await use(({ collection }) => collection.insertMany(docs, { ordered: false }));
      } catch (error) {
        const outcome = classifyBulkError(error);
        if (outcome === 'duplicates-only') return; // a retried batch: those lines are already stored
        if (Array.isArray(outcome)) throw new RejectedLogDocumentsError(outcome, error);
        throw error;
      }
    },

    async query(q): Promise<LogPage> {
      const { filter, sort, limit, pageSize } = buildLogFind(q);
      const docs = await use(({ collection }) => collection.find(filter, { sort, limit }).toArray());
      const lines = docs.slice(0, pageSize).map(toStoredLine);
      const last = lines.at(-1);
      return { lines, nextCursor: docs.length > pageSize && last ? cursorOf(last) : null };
    },

    async sweepExpired(now, batchSize = DEFAULT_SWEEP_BATCH) {
      const size = Math.min(MAX_SWEEP_BATCH, Math.max(1, Math.trunc(batchSize)));
      const cutoff = new Date(now.getTime() - retentionMs);
      let deleted = 0;
      for (let batch = 0; batch < sweepMaxBatches; batch++) {
        const expired = await use(({ collection }) =>
          collection
            .find({ timestamp: { $lt: cutoff } }, { projection: { _id: 1 }, sort: { timestamp: 1 }, limit: size })
            .toArray(),
        );
        if (expired.length === 0) break;
        const result = await use(({ collection }) => collection.deleteMany({ _id: { $in: expired.map((doc) => doc._id) } }));
        deleted += result.deletedCount;
        if (expired.length < size) break;
      }
      if (deleted > 0) log.debug({ deleted, cutoff, retentionDays }, 'retention sweep deleted expired execution log lines');
      return deleted;
    },

    async ping() {
      await use(({ db }) => db.command({ ping: 1 }));
    },

    async close() {
      await current.client.close();
    },
  };
}

const DEFAULT_SWEEP_BATCH = 1_000;
const MAX_SWEEP_BATCH = 10_000;
const DEFAULT_SWEEP_MAX_BATCHES = 10;

/** Codes of per-document write errors that a retry cannot fix: the document itself is invalid. */
const INVALID_DOCUMENT_CODES = new Set([
  2, // BadValue (FerretDB: '.'/'$' keys, nested arrays)
  9, // FailedToParse
  14, // TypeMismatch
  52, // DollarPrefixedFieldName
  55, // InvalidDBRef
  56, // EmptyFieldName
  57, // DottedFieldName
  121, // DocumentValidationFailure
  10334, // BSONObjectTooLarge
  17280, // KeyTooLong
  17419, // document too large
]);

/**
 * 'duplicates-only' when every write error is a duplicate `_id` (those lines are stored already), the
 * rejected documents when the only other errors are invalid documents, or 'retry' for anything else
 * (network, server down, write concern, a whole-batch failure).
 */
function classifyBulkError(error: unknown): 'duplicates-only' | RejectedLogDocument[] | 'retry' {
  if (!(error instanceof MongoBulkWriteError)) return 'retry';
  if (error.result?.getWriteConcernError?.()) return 'retry';
  const writeErrors: WriteError[] = Array.isArray(error.writeErrors)
    ? error.writeErrors
    : error.writeErrors
      ? [error.writeErrors]
      : [];
  if (writeErrors.length === 0) return 'retry';
  const others = writeErrors.filter((writeError) => writeError.code !== 11000);
  if (others.length === 0) return 'duplicates-only';
  if (!others.every((writeError) => INVALID_DOCUMENT_CODES.has(writeError.code))) return 'retry';
  return others.map((writeError) => ({
    index: writeError.index,
    code: writeError.code,
    message: writeError.errmsg ?? 'invalid document',
  }));
}

/** Creates the collection and its indexes; returns how retention works here. Idempotent. */
/** The driver's word for a client that will not connect again (its first connection failed). */
function isTopologyClosed(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 4; depth += 1) {
    const { name, message, errorResponse, cause } = current as Record<string, unknown>;
    if (name === 'MongoTopologyClosedError' || (typeof message === 'string' && message.includes('Topology is closed')))
      return true;
    current = errorResponse ?? cause;
  }
  return false;
}

async function ensureCollection(db: Db, name: string, retentionDays: number, log: Logger): Promise<{ retention: RetentionMode }> {
  const server = await serverName(db);
  try {
    await db.createCollection(name);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 48) throw error; // 48 NamespaceExists: created before
  }
  const collection = db.collection<LogDocument>(name);
  const existing = new Map((await collection.listIndexes().toArray()).map((index) => [index.name as string, index]));
  const ttl = ttlIndexSpec(retentionDays);
  if (!indexesServeQueries(server)) return withoutIndexes(collection, existing, server, retentionDays, log);
  // One index per createIndexes call, only the missing ones: FerretDB 1.24 drops the connection
  // (a server-side panic) when one call names several indexes that all exist already.
  for (const spec of indexSpecs(retentionDays)) {
    if (spec.name !== ttl.name && !existing.has(spec.name ?? '')) await collection.createIndexes([spec]);
  }

  // TTL on its own call: a server that refuses the option refuses the whole createIndexes call.
  const current = existing.get(ttl.name ?? '');
  if (current?.expireAfterSeconds === ttl.expireAfterSeconds) return { retention: 'ttl-index' };
  try {
    await collection.createIndexes([ttl]);
    return { retention: 'ttl-index' };
  } catch (error) {
    if (isTtlRefusal(error)) return fallBackToSweep(collection, existing.has(ttl.name ?? ''), server, retentionDays, log);
    if (!isIndexOptionsConflict(error)) throw error;
    // `timestamp_1` exists with other options: another retention (or a plain index from a sweep-era
    // start). MongoDB ≥ 5.1 changes or adds expireAfterSeconds in place.
    try {
      await db.command({ collMod: name, index: { name: ttl.name, expireAfterSeconds: retentionSeconds(retentionDays) } });
      log.info({ retentionDays, index: ttl.name }, 'execution log retention changed on the existing TTL index');
      return { retention: 'ttl-index' };
    } catch (collModError) {
      log.warn(
        { error: collModError, index: ttl.name },
        'could not turn the existing timestamp index into a TTL index; the retention sweep replaces TTL',
      );
      return { retention: 'sweep' };
    }
  }
}

/** A server whose indexes serve no read: no index of ours (those an earlier start created are dropped), and the sweep. */
async function withoutIndexes(
  collection: Collection<LogDocument>,
  existing: Map<string, unknown>,
  server: string,
  retentionDays: number,
  log: Logger,
): Promise<{ retention: RetentionMode }> {
  const ours = indexSpecs(retentionDays).map((spec) => spec.name ?? '');
  for (const name of ours.filter((index) => existing.has(index))) await collection.dropIndex(name);
  return sweepInstead(server, retentionDays, log);
}

async function fallBackToSweep(
  collection: Collection<LogDocument>,
  indexExists: boolean,
  server: string,
  retentionDays: number,
  log: Logger,
): Promise<{ retention: RetentionMode }> {
  if (!indexExists) await collection.createIndexes([plainTimestampIndexSpec()]);
  return sweepInstead(server, retentionDays, log);
}

function sweepInstead(server: string, retentionDays: number, log: Logger): { retention: RetentionMode } {
  log.warn(
    { retentionDays, server },
    `TTL indexes are not supported by this server (${server}); a periodic retention sweep deletes lines older than ${retentionDays} days`,
  );
  return { retention: 'sweep' };
}

/** "FerretDB v1.24.2" or "MongoDB 7.0.14", from buildInfo (FerretDB adds `ferretdbVersion`). */
async function serverName(db: Db): Promise<string> {
  const info = await db.command({ buildInfo: 1 });
  if (typeof info.ferretdbVersion === 'string') return `FerretDB ${info.ferretdbVersion}`;
  return `MongoDB ${typeof info.version === 'string' ? info.version : 'unknown version'}`;
}

export interface MongoLogStoreOptions {
  /** mongodb:// URL; its path names the database. */
  url: string;
  /** Lines older than this are deleted (TTL index, or `sweepExpired`). */
  retentionDays: number;
  log: Logger;
  /** Default `execution_logs`. */
  collection?: string;
  /** How long an operation waits for a reachable server before it fails (the writer then retries). Default 5 s. */
  serverSelectionTimeoutMS?: number;
  /** Upper bound on delete batches per `sweepExpired` call. Default 10. */
  sweepMaxBatches?: number;
}
