import { createLogger, Registry } from '@conveyor/observability';
import { createTestMongo, type TestMongo } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchingWriter, createBatchingWriter } from './batching-writer';
import type { LogDocument, LogLevel, StoredLogLine } from './log-line';
import type { LogQuery, LogStore } from './log-store';
import { createMongoLogStore } from './mongo-log-store';

const PRODUCERS = 20;
const LINES_PER_PRODUCER = 5_000;
const RUNS = 10; // producer p writes step `step-p` of run `run-(p % 10)`: two steps per run
const levels: LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

async function readAll(store: LogStore, q: Omit<LogQuery, 'cursor'>): Promise<StoredLogLine[]> {
  const lines: StoredLogLine[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...q, ...(cursor ? { cursor } : {}) });
    lines.push(...page.lines);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return lines;
}

describe('batching writer → MongoDB wire server', () => {
  let mongo: TestMongo;
  let store: LogStore;
  let writer: BatchingWriter;
  let stored: Array<Pick<LogDocument, 'workflowRunId' | 'stepRunId' | 'level' | 'message' | 'timestamp'>>;
  const registry = new Registry();

  beforeAll(async () => {
    mongo = await createTestMongo('logs_writer');
    const log = createLogger({ service: 'logs-test', level: 'error' });
    store = createMongoLogStore({ url: mongo.url, retentionDays: 7, log });
    await store.init();
    writer = createBatchingWriter({ store, log, metrics: registry });

    // 20 producers interleaving their loops on the event loop, each honouring backpressure
    const producer = async (p: number) => {
      for (let i = 0; i < LINES_PER_PRODUCER; i++) {
        await writer.waitForCapacity();
        const ok = writer.write({
          tenantId: 'tenant-a',
          workflowRunId: `run-${p % RUNS}`,
          stepRunId: `step-${p}`,
          level: levels[i % 4] as LogLevel,
          message: `p${p} #${i}`,
          context: { p, i, password: 'never stored' },
          timestamp: new Date(),
        });
        if (!ok) throw new Error(`line ${p}/${i} dropped`);
        if (i % 250 === 0) await new Promise((resolve) => setImmediate(resolve)); // let the flushes and other producers in
      }
    };
    await Promise.all(Array.from({ length: PRODUCERS }, (_, p) => producer(p)));
    await writer.close();
    stored = await mongo.db
      .collection<LogDocument>('execution_logs')
      .find({}, { projection: { _id: 0, workflowRunId: 1, stepRunId: 1, level: 1, message: 1, timestamp: 1 } })
      .toArray();
  }, 120_000);

  afterAll(async () => {
    await store.close();
    await mongo.drop();
  });

  it('stores all 100,000 lines from 20 concurrent producers, none twice, none dropped', async () => {
    expect(stored).toHaveLength(PRODUCERS * LINES_PER_PRODUCER);
    expect(new Set(stored.map((d) => d.message)).size).toBe(PRODUCERS * LINES_PER_PRODUCER);
    expect(writer.stats()).toMatchObject({ buffered: 0, bufferedBytes: 0, written: 100_000, dropped: 0 });
    const metrics = await registry.getMetricsAsJSON();
    expect(metrics.find((m) => m.name === 'conveyor_log_lines_written_total')?.values[0]?.value).toBe(100_000);
  });

  // FerretDB sorts a run's matching lines in memory for every page, so the read-backs stay per step.
  it('reads a step back through query() pages oldest first: every line once, in the order it was written', async () => {
    const lines = await readAll(store, {
      tenantId: 'tenant-a',
      workflowRunId: 'run-3',
      stepRunId: 'step-13',
      limit: 1000,
      order: 'asc',
    });
    expect(lines).toHaveLength(LINES_PER_PRODUCER);
    expect(new Set(lines.map((l) => l.id)).size).toBe(lines.length);
    expect(lines.map((l) => Number(l.message.split('#')[1]))).toEqual(Array.from({ length: LINES_PER_PRODUCER }, (_, i) => i));
    for (let i = 1; i < lines.length; i++) {
      const [a, b] = [lines[i - 1] as StoredLogLine, lines[i] as StoredLogLine];
      expect(
        a.timestamp.getTime() < b.timestamp.getTime() || (a.timestamp.getTime() === b.timestamp.getTime() && a.id < b.id),
      ).toBe(true);
    }
    expect(lines[0]?.context).toEqual({ p: 13, i: 0, password: '[REDACTED]' });
  });

  it('pages newest first just as completely', async () => {
    const lines = await readAll(store, {
      tenantId: 'tenant-a',
      workflowRunId: 'run-7',
      stepRunId: 'step-7',
      limit: 1000,
      order: 'desc',
    });
    expect(new Set(lines.map((l) => l.message)).size).toBe(LINES_PER_PRODUCER);
    expect(lines.map((l) => Number(l.message.split('#')[1]))).toEqual(
      Array.from({ length: LINES_PER_PRODUCER }, (_, i) => LINES_PER_PRODUCER - 1 - i),
    );
  });

  it('combines step, minimum level and time window filters across pages', async () => {
    const step = stored.filter((d) => d.stepRunId === 'step-5').sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
    const since = (step[1_000] as LogDocument).timestamp;
    const until = (step[4_000] as LogDocument).timestamp;
    const expected = step.filter(
      (d) => (d.level === 'WARN' || d.level === 'ERROR') && d.timestamp >= since && d.timestamp < until,
    );
    const lines = await readAll(store, {
      tenantId: 'tenant-a',
      workflowRunId: 'run-5',
      stepRunId: 'step-5',
      minLevel: 'WARN',
      since,
      until,
      limit: 400,
      order: 'asc',
    });
    expect(lines.map((l) => l.message).sort()).toEqual(expected.map((d) => d.message).sort());
    expect(lines.length).toBeGreaterThan(1_000);
  });

  it("answers another tenant's query for the same run id with nothing", async () => {
    expect(await store.query({ tenantId: 'tenant-b', workflowRunId: 'run-3', limit: 1000, order: 'asc' })).toEqual({
      lines: [],
      nextCursor: null,
    });
  });
});
