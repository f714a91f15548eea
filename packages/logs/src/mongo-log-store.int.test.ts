import { ConveyorError } from '@conveyor/errors';
import { createTestMongo, type TestMongo } from '@conveyor/testing';
import { ObjectId } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../test/capture-log';
import { indexSpecs, plainTimestampIndexSpec } from './index-specs';
import type { LogDocument, LogLevel, StoredLogLine } from './log-line';
import { type LogQuery, type LogStore, RejectedLogDocumentsError } from './log-store';
import { createMongoLogStore } from './mongo-log-store';

const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

const DAY = 86_400_000;

async function readAll(store: LogStore, q: Omit<LogQuery, 'cursor'>): Promise<{ lines: StoredLogLine[]; pages: number }> {
  const lines: StoredLogLine[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.query({ ...q, ...(cursor ? { cursor } : {}) });
    pages++;
    lines.push(...page.lines);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { lines, pages };
}

describe('createMongoLogStore', () => {
  let mongo: TestMongo;
  let isFerretDB: boolean;

  beforeAll(async () => {
    mongo = await createTestMongo('logs_store');
    isFerretDB = typeof (await mongo.db.command({ buildInfo: 1 })).ferretdbVersion === 'string';
  });
  afterAll(async () => {
    await mongo.drop();
  });

  describe('init', () => {
    it("creates execution_logs and its indexes idempotently, and on a server without TTL warns once and reports 'sweep'", async () => {
      const capture = captureLog();
      const store = createMongoLogStore({ url: mongo.url, retentionDays: 7, log: capture.log });
      const first = await store.init();
      const again = await store.init();
      const other = createMongoLogStore({ url: mongo.url, retentionDays: 7, log: capture.log });
      const restarted = await other.init(); // a second process starting against the same database
      expect(again).toEqual(first);
      expect(restarted).toEqual(first);
      expect(first.retention).toBe(isFerretDB ? 'sweep' : 'ttl-index');

      const indexes = await mongo.db.collection('execution_logs').listIndexes().toArray();
      // FerretDB 1.x serves no read of the store from an index (indexesServeQueries): none is made there.
      expect(indexes.map((index) => index.key).sort(byJson)).toEqual(
        (isFerretDB ? [{ _id: 1 }] : [{ _id: 1 }, ...indexSpecs(7).map((spec) => spec.key)]).sort(byJson),
      );
      const timestampIndex = indexes.find((index) => index.name === 'timestamp_1');
      const warnings = capture.lines.filter((line) => line.level === 40 && /TTL/.test(line.msg));
      if (isFerretDB) {
        expect(warnings).toHaveLength(2); // once per store instance, not per init() call
        expect(warnings[0]?.msg).toMatch(
          /^TTL indexes are not supported by this server \(FerretDB v[\d.]+\); a periodic retention sweep deletes lines older than 7 days$/,
        );
      } else {
        expect(timestampIndex?.expireAfterSeconds).toBe(7 * 86_400);
        expect(warnings).toHaveLength(0);
      }
      await Promise.all([store.close(), other.close()]);
    });

    it('on FerretDB 1.x, drops the indexes an earlier version created, which only slowed inserts; elsewhere keeps them', async () => {
      const name = 'execution_logs_upgraded';
      for (const spec of indexSpecs(7).filter((index) => !('expireAfterSeconds' in index)))
        await mongo.db.collection(name).createIndexes([spec]);
      await mongo.db.collection(name).createIndexes([plainTimestampIndexSpec()]);
      const store = createMongoLogStore({ url: mongo.url, retentionDays: 7, log: captureLog().log, collection: name });
      await store.init();
      const indexes = await mongo.db.collection(name).listIndexes().toArray();
      expect(indexes.map((index) => index.name)).toEqual(isFerretDB ? ['_id_'] : expect.arrayContaining(['_id_', 'timestamp_1']));
      expect(indexes).toHaveLength(isFerretDB ? 1 : indexSpecs(7).length + 1);
      await store.close();
    });
  });

  describe('sweepExpired', () => {
    it('deletes exactly the lines older than the retention, oldest first, in bounded batches', async () => {
      const collection = `sweep_${Date.now()}`;
      const store = createMongoLogStore({
        url: mongo.url,
        retentionDays: 7,
        log: captureLog().log,
        collection,
        sweepMaxBatches: 2,
      });
      await store.init();
      const now = new Date('2026-06-01T00:00:00Z');
      const cutoff = now.getTime() - 7 * DAY;
      const doc = (timestamp: number, i: number): LogDocument => ({
        _id: new ObjectId(),
        tenantId: 't',
        workflowRunId: `r${i % 3}`,
        level: 'INFO',
        message: `m${i}`,
        timestamp: new Date(timestamp),
      });
      // 2,500 expired lines (up to 30 days old, the newest 1 ms past the cutoff) and 300 kept (the oldest exactly at it)
      const expired = Array.from({ length: 2_500 }, (_, i) => doc(cutoff - 1 - (2_499 - i) * 1_000_000, i));
      const kept = Array.from({ length: 300 }, (_, i) => doc(cutoff + i * 60_000, i));
      await store.insertMany([...kept, ...expired].sort(() => Math.random() - 0.5));
      const logs = mongo.db.collection<LogDocument>(collection);

      expect(await store.sweepExpired(now, 1_000)).toBe(2_000); // two batches: the per-call bound
      const left = await logs.find({ timestamp: { $lt: new Date(cutoff) } }).toArray();
      expect(left.map((d) => d.message).sort()).toEqual(
        expired
          .slice(2_000)
          .map((d) => d.message)
          .sort(),
      ); // the oldest went first
      expect(await store.sweepExpired(now, 1_000)).toBe(500);
      expect(await store.sweepExpired(now, 1_000)).toBe(0);
      const remaining = await logs.find({}).toArray();
      expect(remaining.map((d) => d.message).sort()).toEqual(kept.map((d) => d.message).sort());
      await store.close();
    });
  });

  describe('insertMany', () => {
    it('treats a re-sent batch (duplicate _ids) as written, and stores every line once', async () => {
      const collection = `dups_${Date.now()}`;
      const store = createMongoLogStore({ url: mongo.url, retentionDays: 7, log: captureLog().log, collection });
      await store.init();
      const docs: LogDocument[] = Array.from({ length: 20 }, (_, i) => ({
        _id: new ObjectId(),
        tenantId: 't',
        workflowRunId: 'r',
        level: 'INFO',
        message: `m${i}`,
        timestamp: new Date(),
      }));
      await store.insertMany(docs.slice(0, 12));
      await expect(store.insertMany(docs)).resolves.toBeUndefined();
      expect(await mongo.db.collection(collection).countDocuments({})).toBe(20);
      await store.close();
    });

    it('reports documents the server refuses as invalid, and writes the rest of the batch', async () => {
      if (!isFerretDB) return; // MongoDB ≥ 5 accepts dotted keys; the unit tests cover the writer's side
      const collection = `invalid_${Date.now()}`;
      const store = createMongoLogStore({ url: mongo.url, retentionDays: 7, log: captureLog().log, collection });
      const base = { tenantId: 't', workflowRunId: 'r', level: 'INFO' as const, timestamp: new Date() };
      const docs: LogDocument[] = [
        { _id: new ObjectId(), ...base, message: 'ok 1' },
        { _id: new ObjectId(), ...base, message: 'bad', context: { 'a.b': 1 } },
        { _id: new ObjectId(), ...base, message: 'ok 2' },
      ];
      const error = await store.insertMany(docs).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RejectedLogDocumentsError);
      expect((error as RejectedLogDocumentsError).rejected.map((r) => r.index)).toEqual([1]);
      const stored = await mongo.db.collection(collection).find({}).toArray();
      expect(stored.map((d) => d.message).sort()).toEqual(['ok 1', 'ok 2']);
      await store.close();
    });
  });

  describe('query', () => {
    const collection = `query_${Date.now()}`;
    let store: LogStore;
    const start = Date.UTC(2026, 0, 1);
    const levels: LogLevel[] = ['DEBUG', 'INFO', 'WARN', 'ERROR'];
    const docs: LogDocument[] = [];

    beforeAll(async () => {
      store = createMongoLogStore({ url: mongo.url, retentionDays: 30, log: captureLog().log, collection });
      await store.init();
      for (let i = 0; i < 600; i++) {
        // every timestamp is shared by three lines: order within a tie comes from _id
        docs.push({
          _id: new ObjectId(),
          tenantId: 'tenant-a',
          workflowRunId: 'run-1',
          ...(i % 5 === 0 ? {} : { stepRunId: `step-${i % 3}` }),
          level: levels[i % 4] as LogLevel,
          message: `a-${i}`,
          ...(i % 2 === 0 ? { context: { i } } : {}),
          timestamp: new Date(start + Math.floor(i / 3) * 1_000),
        });
      }
      for (let i = 0; i < 50; i++) {
        const common = { level: 'INFO' as const, timestamp: new Date(start + i * 1_000) };
        docs.push({ _id: new ObjectId(), tenantId: 'tenant-b', workflowRunId: 'run-1', message: `b-${i}`, ...common });
        docs.push({ _id: new ObjectId(), tenantId: 'tenant-a', workflowRunId: 'run-2', message: `a2-${i}`, ...common });
      }
      await store.insertMany(docs);
    });
    afterAll(async () => {
      await store.close();
    });

    const runOne = () => docs.filter((d) => d.tenantId === 'tenant-a' && d.workflowRunId === 'run-1');
    const byKey = (a: LogDocument, b: LogDocument) =>
      a.timestamp.getTime() - b.timestamp.getTime() || a._id.toHexString().localeCompare(b._id.toHexString());

    it('pages through a run oldest first and newest first, every line exactly once, ties broken on _id', async () => {
      const expected = runOne().sort(byKey);
      const asc = await readAll(store, { tenantId: 'tenant-a', workflowRunId: 'run-1', limit: 70, order: 'asc' });
      expect(asc.pages).toBe(9);
      expect(asc.lines.map((l) => l.message)).toEqual(expected.map((d) => d.message));
      const desc = await readAll(store, { tenantId: 'tenant-a', workflowRunId: 'run-1', limit: 64, order: 'desc' });
      expect(desc.lines.map((l) => l.message)).toEqual(expected.reverse().map((d) => d.message));
    });

    it('returns the stored shape: hex id, absent optional fields left out', async () => {
      const page = await store.query({ tenantId: 'tenant-a', workflowRunId: 'run-1', limit: 2, order: 'asc' });
      const [first, second] = page.lines;
      const doc = runOne().find((d) => d.message === first?.message);
      expect(first).toEqual({
        id: doc?._id.toHexString(),
        tenantId: 'tenant-a',
        workflowRunId: 'run-1',
        level: doc?.level,
        message: doc?.message,
        context: doc?.context,
        timestamp: doc?.timestamp,
      });
      expect(first).not.toHaveProperty('stepRunId'); // line 0 has none
      expect(second).not.toHaveProperty('context'); // line 1 has none
      expect(page.nextCursor).toEqual(expect.any(String));
    });

    it('combines step, minimum level and time range filters', async () => {
      const since = new Date(start + 20_000);
      const until = new Date(start + 150_000);
      const q = { tenantId: 'tenant-a', workflowRunId: 'run-1', stepRunId: 'step-1', minLevel: 'WARN' as const, since, until };
      const expected = runOne()
        .filter((d) => d.stepRunId === 'step-1' && (d.level === 'WARN' || d.level === 'ERROR'))
        .filter((d) => d.timestamp >= since && d.timestamp < until)
        .sort(byKey);
      expect(expected.length).toBeGreaterThan(10);
      const got = await readAll(store, { ...q, limit: 7, order: 'asc' });
      expect(got.lines.map((l) => l.message)).toEqual(expected.map((d) => d.message));
      const errorsOnly = await store.query({
        tenantId: 'tenant-a',
        workflowRunId: 'run-1',
        minLevel: 'ERROR',
        limit: 1000,
        order: 'asc',
      });
      expect(errorsOnly.lines.every((l) => l.level === 'ERROR')).toBe(true);
      expect(errorsOnly.lines).toHaveLength(150);
      expect(errorsOnly.nextCursor).toBeNull();
    });

    it("never shows another tenant's lines for the same run id, with or without a cursor", async () => {
      const b = await readAll(store, { tenantId: 'tenant-b', workflowRunId: 'run-1', limit: 1000, order: 'asc' });
      expect(b.lines).toHaveLength(50);
      expect(b.lines.every((l) => l.tenantId === 'tenant-b')).toBe(true);
      const nobody = await store.query({ tenantId: 'tenant-c', workflowRunId: 'run-1', limit: 1000, order: 'asc' });
      expect(nobody).toEqual({ lines: [], nextCursor: null });
      // a cursor taken from tenant-a's run only moves the position inside tenant-b's run
      const aPage = await store.query({ tenantId: 'tenant-a', workflowRunId: 'run-1', limit: 30, order: 'asc' });
      const moved = await store.query({
        tenantId: 'tenant-b',
        workflowRunId: 'run-1',
        limit: 1000,
        order: 'asc',
        cursor: aPage.nextCursor ?? '',
      });
      expect(moved.lines.length).toBeGreaterThan(0);
      expect(moved.lines.every((l) => l.tenantId === 'tenant-b' && l.workflowRunId === 'run-1')).toBe(true);
      const otherRun = await store.query({
        tenantId: 'tenant-a',
        workflowRunId: 'run-2',
        limit: 1000,
        order: 'desc',
        cursor: aPage.nextCursor ?? '',
      });
      expect(otherRun.lines.every((l) => l.workflowRunId === 'run-2')).toBe(true);
    });

    it('answers VALIDATION_FAILED naming cursor for a malformed cursor, and clamps the limit', async () => {
      const error = await store
        .query({ tenantId: 'tenant-a', workflowRunId: 'run-1', limit: 10, order: 'asc', cursor: 'not-a-cursor' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConveyorError);
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'cursor' } });
      const huge = await store.query({ tenantId: 'tenant-a', workflowRunId: 'run-1', limit: 1_000_000, order: 'asc' });
      expect(huge.lines).toHaveLength(600);
      const tiny = await store.query({ tenantId: 'tenant-a', workflowRunId: 'run-1', limit: 0, order: 'asc' });
      expect(tiny.lines).toHaveLength(1);
    });
  });

  it('answers ping and closes', async () => {
    const store = createMongoLogStore({ url: mongo.url, retentionDays: 7, log: captureLog().log });
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
  });
});
