import { setTimeout as sleep } from 'node:timers/promises';
import { type PrivateFerretDB, startPrivateFerretDB, waitFor } from '@conveyor/testing';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../test/capture-log';
import { createBatchingWriter } from './batching-writer';
import type { LogLine } from './log-line';
import { createMongoLogStore } from './mongo-log-store';

const line = (run: string, i: number): LogLine => ({
  tenantId: 'tenant-a',
  workflowRunId: run,
  stepRunId: `step-${i % 3}`,
  level: 'INFO',
  message: `${run} #${i}`,
  timestamp: new Date(),
});

// A FerretDB of this file's own: stopping the shared one on 27017 would break other test files.
describe('batching writer while the MongoDB wire server is down', () => {
  let ferret: PrivateFerretDB;
  let client: MongoClient;

  beforeAll(async () => {
    ferret = await startPrivateFerretDB();
    client = new MongoClient(ferret.url);
  });
  afterAll(async () => {
    await client?.close();
    await ferret?.close();
  });

  const countRun = async (run: string) => {
    const messages = await client
      .db()
      .collection('execution_logs')
      .find({ workflowRunId: run }, { projection: { _id: 0, message: 1 } })
      .toArray();
    return { count: messages.length, distinct: new Set(messages.map((m) => m.message)).size };
  };

  it('keeps memory within the bound: past the hard limit lines are dropped, counted, and a warning says how many', async () => {
    const capture = captureLog('info');
    const store = createMongoLogStore({ url: ferret.url, retentionDays: 7, log: capture.log, serverSelectionTimeoutMS: 1_000 });
    await store.init();
    const writer = createBatchingWriter({
      store,
      log: capture.log,
      hardLimitLines: 5_000,
      softLimitLines: 2_000,
      retryMaxMs: 500,
    });
    await ferret.stop();

    let accepted = 0;
    for (let i = 0; i < 20_000; i++) if (writer.write(line('bounded', i))) accepted++;
    expect(accepted).toBe(5_000);
    const stats = writer.stats();
    expect(stats.buffered).toBeLessThanOrEqual(5_000);
    expect(stats.dropped).toBe(15_000);
    expect(stats.bufferedBytes).toBeLessThan(64 * 1024 * 1024);

    const dropWarnings = () => capture.lines.filter((l) => l.level === 40 && typeof l.dropped === 'number');
    await waitFor(
      async () => dropWarnings().reduce((sum, l) => sum + (l.dropped as number), 0),
      (sum) => sum === 15_000,
      5_000,
      20,
    );
    expect(dropWarnings().length).toBeGreaterThanOrEqual(1);
    expect(dropWarnings().length).toBeLessThanOrEqual(3);
    expect(dropWarnings()[0]?.msg).toMatch(/^dropped 15000 execution log lines/);

    await ferret.start();
    await writer.close();
    expect(await countRun('bounded')).toEqual({ count: 5_000, distinct: 5_000 });
    expect(writer.stats()).toMatchObject({ buffered: 0, written: 5_000, dropped: 15_000 });
    await store.close();
  });

  it('loses nothing and duplicates nothing when the server is stopped for 10 s mid-stream and restarted', async () => {
    const capture = captureLog('info');
    const store = createMongoLogStore({ url: ferret.url, retentionDays: 7, log: capture.log, serverSelectionTimeoutMS: 1_000 });
    await store.init();
    const writer = createBatchingWriter({ store, log: capture.log, flushIntervalMs: 100, retryInitialMs: 50, retryMaxMs: 1_000 });

    let accepted = 0;
    let producing = true;
    const producer = (async () => {
      for (let i = 0; producing; i++) {
        await writer.waitForCapacity();
        if (writer.write(line('outage', i))) accepted++;
        if (i % 10 === 9) await sleep(10); // a steady stream of about 1,000 lines a second
      }
    })();

    await sleep(1_000);
    const beforeOutage = writer.stats().written;
    await ferret.stop();
    await sleep(10_000);
    const whileDown = writer.stats();
    await ferret.start();
    await sleep(1_000);
    producing = false;
    await producer;
    await writer.close();

    expect(beforeOutage).toBeGreaterThan(0);
    expect(whileDown.failedFlushes).toBeGreaterThan(0);
    expect(whileDown.buffered).toBeGreaterThan(1_000); // the stream went on into the buffer
    expect(writer.stats()).toMatchObject({ buffered: 0, dropped: 0, written: accepted });
    expect(await countRun('outage')).toEqual({ count: accepted, distinct: accepted });
    expect(capture.lines.some((l) => l.level === 40 && /retried/.test(l.msg))).toBe(true);
    expect(capture.lines.some((l) => /written again/.test(l.msg))).toBe(true);
    await store.close();
  });

  it('writes every line once the server is back, when the store was created while it was down (a worker started mid-outage)', async () => {
    const capture = captureLog('info');
    await ferret.stop();
    const store = createMongoLogStore({ url: ferret.url, retentionDays: 7, log: capture.log, serverSelectionTimeoutMS: 500 });
    await expect(store.init()).rejects.toThrow();
    const writer = createBatchingWriter({ store, log: capture.log, retryMaxMs: 300, flushIntervalMs: 50 });
    for (let i = 0; i < 200; i++) writer.write(line('born-in-outage', i));
    await sleep(1_500);
    await ferret.start();
    await store.init();
    await writer.close();
    expect(writer.stats()).toMatchObject({ buffered: 0, dropped: 0 });
    expect(await countRun('born-in-outage')).toEqual({ count: 200, distinct: 200 });
    await store.close();
  });
});
