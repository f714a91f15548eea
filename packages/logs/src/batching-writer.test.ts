import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from '@conveyor/observability';
import { describe, expect, it } from 'vitest';
import { captureLog } from '../test/capture-log';
import { type BatchingWriterOptions, createBatchingWriter } from './batching-writer';
import type { LogDocument, LogLine } from './log-line';
import { type LogStore, RejectedLogDocumentsError } from './log-store';

/** An in-memory LogStore that can be taken down, slowed, or made to lose acknowledgements. */
function fakeStore() {
  const stored = new Map<string, LogDocument>();
  const calls: LogDocument[][] = [];
  const state = { down: false, failTimes: 0, loseAckTimes: 0, delayMs: 0, inFlight: 0, maxInFlight: 0, duplicates: 0 };
  const store: LogStore = {
    async init() {
      return { retention: 'sweep' };
    },
    async insertMany(docs) {
      calls.push(docs);
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      try {
        if (state.delayMs > 0) await sleep(state.delayMs);
        if (state.down) throw new Error('connect ECONNREFUSED');
        if (state.failTimes > 0) {
          state.failTimes--;
          throw new Error('transient failure');
        }
        for (const doc of docs) {
          const id = doc._id.toHexString();
          if (stored.has(id)) state.duplicates++;
          stored.set(id, doc);
        }
        if (state.loseAckTimes > 0) {
          state.loseAckTimes--;
          throw new Error('connection reset after the write');
        }
      } finally {
        state.inFlight--;
      }
    },
    async query() {
      return { lines: [], nextCursor: null };
    },
    async sweepExpired() {
      return 0;
    },
    async ping() {},
    async close() {},
  };
  return { store, stored, calls, state };
}

const line = (i: number, overrides: Partial<LogLine> = {}): LogLine => ({
  tenantId: 't1',
  workflowRunId: 'r1',
  stepRunId: 's1',
  level: 'INFO',
  message: `line ${i}`,
  timestamp: new Date(),
  ...overrides,
});

function writer(store: LogStore, log = captureLog().log, options: Partial<BatchingWriterOptions> = {}) {
  return createBatchingWriter({ store, log, flushIntervalMs: 60_000, retryInitialMs: 5, retryMaxMs: 20, ...options });
}

const messages = (docs: Iterable<LogDocument>) => [...docs].map((doc) => doc.message);

describe('createBatchingWriter', () => {
  it('flushes full batches on its own, keeps the order, and leaves a partial batch until flush()', async () => {
    const { store, stored, calls } = fakeStore();
    const w = writer(store, undefined, { batchSize: 10 });
    for (let i = 0; i < 25; i++) expect(w.write(line(i))).toBe(true);
    expect(calls).toHaveLength(0); // write() itself never calls the store
    await sleep(10);
    expect(calls.map((c) => c.length)).toEqual([10, 10]);
    expect(w.stats()).toMatchObject({ buffered: 5, written: 20 });
    await w.flush();
    expect(calls.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(messages(stored.values())).toEqual(Array.from({ length: 25 }, (_, i) => `line ${i}`));
    const ids = [...stored.keys()];
    expect([...ids].sort()).toEqual(ids); // ObjectIds increase in write order
    await w.close();
  });

  it('flushes a partial batch once its oldest line is flushIntervalMs old', async () => {
    const { store, stored } = fakeStore();
    const w = writer(store, undefined, { flushIntervalMs: 30 });
    w.write(line(1));
    w.write(line(2));
    await sleep(10);
    expect(stored.size).toBe(0);
    await sleep(80);
    expect(stored.size).toBe(2);
    await w.close();
  });

  it('stores the seed document shape, without stepRunId/context keys when the line has none', async () => {
    const { store, stored } = fakeStore();
    const w = writer(store);
    const timestamp = new Date('2026-01-01T00:00:00Z');
    w.write({ tenantId: 't', workflowRunId: 'r', level: 'WARN', message: 'bare', timestamp });
    w.write({
      tenantId: 't',
      workflowRunId: 'r',
      stepRunId: 's',
      level: 'ERROR',
      message: 'full',
      context: { token: 'x', a: 1 },
      timestamp,
    });
    await w.close();
    const [bare, full] = [...stored.values()];
    expect(Object.keys(bare ?? {})).toEqual(['_id', 'tenantId', 'workflowRunId', 'level', 'message', 'timestamp']);
    expect(Object.keys(full ?? {})).toEqual([
      '_id',
      'tenantId',
      'workflowRunId',
      'stepRunId',
      'level',
      'message',
      'context',
      'timestamp',
    ]);
    expect(full?.context).toEqual({ token: '[REDACTED]', a: 1 });
  });

  it('sanitizes each line once, redacting the secret values write() is given', async () => {
    const { store, stored } = fakeStore();
    const w = writer(store);
    w.write(line(1, { message: 'calling with s3cr3t-key', context: { url: 'https://x/?k=s3cr3t-key' } }), {
      secretValues: ['s3cr3t-key'],
    });
    w.write(line(2, { message: 's3cr3t-key of another step' }));
    await w.close();
    const [redacted, other] = [...stored.values()];
    expect(redacted).toMatchObject({ message: 'calling with [REDACTED]', context: { url: 'https://x/?k=[REDACTED]' } });
    expect(other?.message).toBe('s3cr3t-key of another step');
  });

  it('retries a failed batch with backoff, one flush at a time, and a lost acknowledgement never duplicates a line', async () => {
    const { store, stored, calls, state } = fakeStore();
    const capture = captureLog();
    const w = writer(store, capture.log, { batchSize: 5 });
    state.failTimes = 3;
    state.loseAckTimes = 1;
    state.delayMs = 2;
    for (let i = 0; i < 23; i++) w.write(line(i));
    await w.flush();
    expect(stored.size).toBe(23);
    expect(messages(stored.values())).toEqual(Array.from({ length: 23 }, (_, i) => `line ${i}`));
    expect(state.duplicates).toBe(5); // the re-sent batch carried the same _ids
    expect(state.maxInFlight).toBe(1);
    expect(w.stats()).toMatchObject({ buffered: 0, written: 23, dropped: 0, failedFlushes: 4 });
    expect(calls.every((c) => c.length <= 5)).toBe(true);
    expect(capture.warnings().some((l) => /retried/.test(l.msg))).toBe(true);
    expect(capture.lines.some((l) => /written again/.test(l.msg))).toBe(true);
    await w.close();
  });

  it('drops past the hard limit, counts it, and says how many in one warning per burst', async () => {
    const { store, state } = fakeStore();
    const capture = captureLog();
    const registry = new Registry();
    const w = writer(store, capture.log, { hardLimitLines: 100, softLimitLines: 50, batchSize: 10, metrics: registry });
    state.down = true;
    let accepted = 0;
    for (let i = 0; i < 300; i++) if (w.write(line(i))) accepted++;
    expect(accepted).toBe(100);
    expect(w.stats()).toMatchObject({ buffered: 100, dropped: 200 });
    await sleep(20);
    const drops = capture.warnings().filter((l) => /dropped/.test(l.msg));
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ dropped: 200, droppedTotal: 200 });
    expect(drops[0]?.msg).toContain('dropped 200 execution log lines');
    // a second burst within the second is reported once, later, with its own count
    for (let i = 0; i < 7; i++) w.write(line(i));
    await sleep(20);
    expect(capture.warnings().filter((l) => /dropped/.test(l.msg))).toHaveLength(1);
    const metrics = await registry.getMetricsAsJSON();
    const value = (name: string) => metrics.find((m) => m.name === name)?.values[0]?.value;
    expect(value('conveyor_log_lines_dropped_total')).toBe(207);
    expect(value('conveyor_log_buffer_lines')).toBe(100);
    expect(value('conveyor_log_flush_failures_total')).toBeGreaterThan(0);
    state.down = false;
    await w.close();
    expect(w.stats()).toMatchObject({ buffered: 0, written: 100, dropped: 207 });
    expect(
      capture
        .warnings()
        .filter((l) => /dropped/.test(l.msg))
        .map((l) => l.dropped),
    ).toEqual([200, 7]);
  });

  it('bounds the buffer in bytes as well as in lines', async () => {
    const { store, state } = fakeStore();
    state.down = true;
    const w = writer(store, undefined, { maxBufferedBytes: 100_000 });
    let accepted = 0;
    for (let i = 0; i < 100; i++) if (w.write(line(i, { message: 'x'.repeat(5_000) }))) accepted++;
    expect(accepted).toBeGreaterThan(10);
    expect(accepted).toBeLessThan(20);
    expect(w.stats().bufferedBytes).toBeLessThanOrEqual(100_000);
    state.down = false;
    await w.close();
  });

  it('holds producers back with waitForCapacity() instead of dropping', async () => {
    const { store, stored, state } = fakeStore();
    state.delayMs = 3;
    const w = writer(store, undefined, { batchSize: 20, softLimitLines: 60, hardLimitLines: 100 });
    let maxBuffered = 0;
    const producer = async (p: number) => {
      for (let i = 0; i < 200; i++) {
        await w.waitForCapacity();
        expect(w.write(line(i, { stepRunId: `s${p}` }))).toBe(true);
        maxBuffered = Math.max(maxBuffered, w.stats().buffered);
      }
    };
    await Promise.all([0, 1, 2, 3].map(producer));
    await w.close();
    expect(stored.size).toBe(800);
    expect(w.stats().dropped).toBe(0);
    expect(maxBuffered).toBeLessThanOrEqual(60 + 3); // each producer passed the check while below the soft limit
  });

  it('drops (and reports) the documents the store rejects as invalid, and writes the rest once', async () => {
    const { store, stored } = fakeStore();
    const capture = captureLog();
    const rejecting: LogStore = {
      ...store,
      async insertMany(docs) {
        await store.insertMany(docs.filter((_, i) => i !== 1));
        throw new RejectedLogDocumentsError([{ index: 1, code: 2, message: 'invalid key' }]);
      },
    };
    const w = writer(rejecting, capture.log);
    for (let i = 0; i < 3; i++) w.write(line(i));
    await w.close();
    expect(messages(stored.values())).toEqual(['line 0', 'line 2']);
    expect(w.stats()).toMatchObject({ written: 2, dropped: 1, failedFlushes: 0, buffered: 0 });
    expect(capture.warnings().some((l) => /rejected/.test(l.msg))).toBe(true);
  });

  it('close() drains what is buffered, waiting for the store to come back', async () => {
    const { store, stored, state } = fakeStore();
    state.down = true;
    const w = writer(store, undefined, { batchSize: 7 });
    for (let i = 0; i < 30; i++) w.write(line(i));
    setTimeout(() => {
      state.down = false;
    }, 100);
    await w.close();
    expect(stored.size).toBe(30);
    expect(w.stats()).toMatchObject({ buffered: 0, written: 30, dropped: 0 });
    expect(w.write(line(99))).toBe(false); // closed
    expect(w.stats().dropped).toBe(1);
    await w.waitForCapacity(); // never blocks once closed
  });

  it('close() gives up after drainTimeoutMs, counts the lost lines and says so', async () => {
    const { store, state } = fakeStore();
    const capture = captureLog();
    state.down = true;
    const w = writer(store, capture.log, { drainTimeoutMs: 150 });
    for (let i = 0; i < 12; i++) w.write(line(i));
    const started = Date.now();
    const flushed = w.flush();
    await w.close();
    await flushed; // flush() waiters are released too
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(w.stats()).toMatchObject({ buffered: 0, written: 0, dropped: 12 });
    expect(capture.lines.some((l) => l.level === 50 && l.lost === 12)).toBe(true);
  });
});
