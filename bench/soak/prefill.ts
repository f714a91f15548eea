// Fills the log store with `count` execution-log lines before the soak, straight into the collection the
// worker writes (@conveyor/logs LOG_COLLECTION, its indexes created first as the worker creates them), in
// big unordered batches, spread over tenants and runs like a real store's.
import { randomUUID } from 'node:crypto';
import { createMongoLogStore, LOG_COLLECTION, type LogDocument } from '@conveyor/logs';
import { MongoClient } from 'mongodb';
import { benchLog, makeLogLines } from '../lib/log-lines';

const BATCH = 10_000;
/** Batches in flight at once: FerretDB turns each into one transaction on PostgreSQL. */
const PARALLEL = 2;
/** Lines per run, as the three-step workflow writes about that many per run. */
const PER_RUN = 9;
const TENANTS = 50;

export interface Prefill {
  lines: number;
  ms: number;
  linesPerSec: number;
  tenants: number;
}

/** Inserts `count` lines; the soak's own tenant is one of the tenants they are spread over. */
export async function prefillLogStore(mongoUrl: string, count: number, soakTenantId: string): Promise<Prefill> {
  const store = createMongoLogStore({ url: mongoUrl, retentionDays: 14, log: benchLog });
  await store.init();
  await store.close();
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  const collection = client.db().collection<Omit<LogDocument, '_id'>>(LOG_COLLECTION);
  const tenants = [soakTenantId, ...Array.from({ length: TENANTS - 1 }, () => randomUUID())];
  // The last day, so the worker's retention sweep finds nothing to delete.
  const start = Date.now() - 86_400_000;
  const started = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const offset = next;
      const size = Math.min(BATCH, count - offset);
      next += size;
      const { lines } = makeLogLines(size, {
        perRun: PER_RUN,
        start: start + offset * (86_400_000 / count),
        tenantId: tenants[(offset / BATCH) % TENANTS] as string,
      });
      await collection.insertMany(lines, { ordered: false });
    }
  };
  try {
    await Promise.all(Array.from({ length: PARALLEL }, lane));
  } finally {
    await client.close();
  }
  const ms = performance.now() - started;
  return { lines: count, ms, linesPerSec: (count * 1000) / ms, tenants: TENANTS };
}
