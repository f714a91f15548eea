// Scenario 5 (second half) — log query latency as the store grows: the first page of one run's
// lines through `createMongoLogStore(...).query`, with 10^4, 10^5 (and 10^6) lines stored, against
// the raw driver running the same find (filter, sort, limit) on the same collection.
import { createMongoLogStore, LOG_COLLECTION, type LogDocument, type LogQuery, type LogStore } from '@conveyor/logs';
import { type Collection, ObjectId } from 'mongodb';
import type { BenchEnvironment } from '../lib/environment';
import { benchLog, makeLogLines } from '../lib/log-lines';
import type { Plan } from '../lib/plan';
import type { Report } from '../lib/report';
import { type Summary, summarize } from '../lib/stats';

const LINES_PER_RUN = 100;
const PAGE = 50;
const LOAD_BATCH = 1_000;
const LOAD_IN_FLIGHT = 2;

export interface LogQueryAtSize {
  stored: number;
  loadSec: number;
  store: Summary;
  raw: Summary;
}

export interface LogQueryResult {
  sizes: LogQueryAtSize[];
  /** Sizes not loaded because loading would not fit plan.queryLoadBudgetSec, with the estimate. */
  skipped: { size: number; estimatedLoadSec: number }[];
}

export async function measureLogQuery(env: BenchEnvironment, plan: Plan, report: Report): Promise<LogQueryResult> {
  const { db, url } = env.mongoDb('query');
  const store = createMongoLogStore({ url, retentionDays: 14, log: benchLog });
  await store.init();
  const collection = db.collection<LogDocument>(LOG_COLLECTION);
  const tenantId = crypto.randomUUID();
  const runIds: string[] = [];
  const result: LogQueryResult = { sizes: [], skipped: [] };
  let stored = 0;
  let loadMs = 0;
  try {
    for (const size of plan.querySizes) {
      const rate = stored > 0 ? stored / (loadMs / 1000) : Number.NaN;
      const estimate = (size - stored) / rate;
      if (Number.isFinite(estimate) && loadMs / 1000 + estimate > plan.queryLoadBudgetSec) {
        result.skipped.push({ size, estimatedLoadSec: Math.round(estimate) });
        console.log(`  5 log query · ${size} lines: skipped, loading would take about ${Math.round(estimate)} s more`);
        continue;
      }
      const started = performance.now();
      stored = await load(collection, tenantId, runIds, stored, size);
      loadMs += performance.now() - started;
      const at = await queryAt(store, collection, tenantId, runIds, plan.queryRepeats);
      result.sizes.push({ stored, loadSec: loadMs / 1000, ...at });
      report.add({
        scenario: '5 log query',
        metric: `first page (${PAGE} lines) of one run, ${stored.toLocaleString('en')} lines stored, p50`,
        unit: 'ms',
        value: at.store.p50,
        baseline: { name: 'raw driver find, same query', value: at.raw.p50 },
        better: 'lower',
      });
    }
  } finally {
    await store.close();
  }
  report.detail('logQuery', result);
  return result;
}

/** Inserts lines until `target` are stored, LOAD_IN_FLIGHT batches at a time; returns the count. */
async function load(
  collection: Collection<LogDocument>,
  tenantId: string,
  runIds: string[],
  stored: number,
  target: number,
): Promise<number> {
  let next = stored;
  const lane = async () => {
    while (next < target) {
      const count = Math.min(LOAD_BATCH, target - next);
      const offset = next;
      next += count;
      const { lines } = makeLogLines(count, { perRun: LINES_PER_RUN, start: Date.UTC(2026, 0, 1) + offset, tenantId });
      for (let i = 0; i < count; i += LINES_PER_RUN) runIds.push(lines[i]?.workflowRunId as string);
      await collection.insertMany(
        lines.map((line) => ({ _id: new ObjectId(), ...line })),
        { ordered: false },
      );
    }
  };
  await Promise.all(Array.from({ length: LOAD_IN_FLIGHT }, lane));
  return target;
}

/** First pages of random runs, through the store and raw, alternating; a few warm-up queries first. */
async function queryAt(
  store: LogStore,
  collection: Collection<LogDocument>,
  tenantId: string,
  runIds: string[],
  repeats: number,
): Promise<{ store: Summary; raw: Summary }> {
  const viaStore: number[] = [];
  const viaRaw: number[] = [];
  for (let i = -3; i < repeats; i++) {
    const workflowRunId = runIds[Math.floor(Math.random() * runIds.length)] as string;
    const q: LogQuery = { tenantId, workflowRunId, limit: PAGE, order: 'asc' };
    let started = performance.now();
    const page = await store.query(q);
    const storeMs = performance.now() - started;
    started = performance.now();
    await collection.find({ tenantId, workflowRunId }, { sort: { timestamp: 1, _id: 1 }, limit: PAGE + 1 }).toArray();
    const rawMs = performance.now() - started;
    if (page.lines.length !== PAGE) throw new Error(`query returned ${page.lines.length} lines, expected ${PAGE}`);
    if (i < 0) continue;
    viaStore.push(storeMs);
    viaRaw.push(rawMs);
  }
  return { store: summarize(viaStore), raw: summarize(viaRaw) };
}
