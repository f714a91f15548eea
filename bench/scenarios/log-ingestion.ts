// Scenario 3 — execution log lines per second through the batching writer (packages/logs), against
// the raw MongoDB driver inserting the same lines in the same batches (insertMany, unordered, one
// batch at a time, as the writer flushes). Each measurement gets a fresh database with the store's
// indexes; rounds alternate writer and raw.
import { createBatchingWriter, createMongoLogStore, LOG_COLLECTION, type LogDocument, type LogLine } from '@conveyor/logs';
import { ObjectId } from 'mongodb';
import type { BenchEnvironment } from '../lib/environment';
import { benchLog, makeLogLines } from '../lib/log-lines';
import type { Plan } from '../lib/plan';
import type { Report } from '../lib/report';
import { median } from '../lib/stats';

/** The writer's default batch size (BatchingWriterOptions.batchSize), used for both sides. */
const BATCH_SIZE = 500;

export interface LogIngestion {
  lines: number;
  batchSize: number;
  writerLinesPerSec: number[];
  rawLinesPerSec: number[];
}

export async function measureLogIngestion(env: BenchEnvironment, plan: Plan, report: Report): Promise<LogIngestion> {
  const result: LogIngestion = { lines: plan.ingestLines, batchSize: BATCH_SIZE, writerLinesPerSec: [], rawLinesPerSec: [] };
  for (let round = 0; round < plan.ingestRounds; round++) {
    const { lines } = makeLogLines(plan.ingestLines, { perRun: 6 });
    result.writerLinesPerSec.push(await throughWriter(env, `ingest_w${round}`, lines));
    result.rawLinesPerSec.push(await throughInsertMany(env, `ingest_r${round}`, lines));
  }
  report.detail('logIngestion', result);
  const writer = median(result.writerLinesPerSec);
  const row = report.add({
    scenario: '3 log ingestion',
    metric: `batching writer, ${plan.ingestLines} lines, batches of ${BATCH_SIZE}`,
    unit: 'lines/s',
    value: writer,
    baseline: { name: 'raw insertMany, same batches', value: median(result.rawLinesPerSec) },
    better: 'higher',
  });
  row.target = { text: '≥ 0.8 × raw insertMany', met: (row.ratio ?? 0) >= 0.8 };
  return result;
}

/** Writes every line through a writer as a step would (write, and wait for capacity), then flushes. */
async function throughWriter(env: BenchEnvironment, label: string, lines: LogLine[]): Promise<number> {
  const { db, url } = env.mongoDb(label);
  const store = createMongoLogStore({ url, retentionDays: 14, log: benchLog });
  await store.init();
  const writer = createBatchingWriter({ store, log: benchLog, batchSize: BATCH_SIZE });
  try {
    const started = performance.now();
    for (let i = 0; i < lines.length; i++) {
      if (i % 100 === 0) await writer.waitForCapacity();
      writer.write(lines[i] as LogLine);
    }
    await writer.flush();
    const ms = performance.now() - started;
    const stats = writer.stats();
    if (stats.written !== lines.length)
      throw new Error(`writer wrote ${stats.written} of ${lines.length} lines (${JSON.stringify(stats)})`);
    return (lines.length * 1000) / ms;
  } finally {
    await writer.close();
    await store.close();
    await db.dropDatabase();
  }
}

/** The same lines as documents (built before the clock starts), inserted batch after batch. */
async function throughInsertMany(env: BenchEnvironment, label: string, lines: LogLine[]): Promise<number> {
  const { db, url } = env.mongoDb(label);
  const store = createMongoLogStore({ url, retentionDays: 14, log: benchLog });
  await store.init();
  await store.close();
  try {
    const collection = db.collection<LogDocument>(LOG_COLLECTION);
    const docs: LogDocument[] = lines.map((line) => ({ _id: new ObjectId(), ...line }));
    const started = performance.now();
    for (let i = 0; i < docs.length; i += BATCH_SIZE) {
      await collection.insertMany(docs.slice(i, i + BATCH_SIZE), { ordered: false });
    }
    return (docs.length * 1000) / (performance.now() - started);
  } finally {
    await db.dropDatabase();
  }
}
