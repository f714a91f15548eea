// Throwaway benchmark (not committed): writer vs raw insertMany, and first-page query latency.
import { createLogger } from '@conveyor/observability';
import { MongoClient, ObjectId } from 'mongodb';
import { createBatchingWriter, createMongoLogStore, type LogDocument, type LogLine } from './src/index';

const base = process.argv[2] ?? 'mongodb://127.0.0.1:27017';
const mode = process.argv[3] ?? 'throughput';
const log = createLogger({ service: 'bench', level: 'error' });
const levels = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

const lines = (n: number, runs: number): LogLine[] =>
  Array.from({ length: n }, (_, i) => ({
    tenantId: 'tenant-bench',
    workflowRunId: `run-${i % runs}`,
    stepRunId: `step-${i % (runs * 3)}`,
    level: levels[i % 4] ?? 'INFO',
    message: `bench line ${i} with some ordinary text in it`,
    context: { i, attempt: 1, url: 'https://example.test/api/items?page=3' },
    timestamp: new Date(),
  }));

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? Number.NaN;
};

async function freshStore(dbName: string) {
  const url = `${base}/${dbName}`;
  const store = createMongoLogStore({ url, retentionDays: 7, log });
  await store.init();
  const client = new MongoClient(url);
  await client.connect();
  return { store, client, collection: client.db().collection<LogDocument>('execution_logs') };
}

async function throughput() {
  const N = Number(process.argv[4] ?? 50_000);
  const batchSize = 500;
  const results: { rep: number; writer: number; raw: number }[] = [];
  for (let rep = 1; rep <= 3; rep++) {
    const input = lines(N, 20);
    const order = rep % 2 === 1 ? ['writer', 'raw'] : ['raw', 'writer'];
    const r: Record<string, number> = {};
    for (const which of order) {
      const { store, client, collection } = await freshStore(`bench_tp_${which}_${rep}_${Date.now()}`);
      if (which === 'writer') {
        const writer = createBatchingWriter({ store, log, batchSize });
        const t0 = performance.now();
        for (const line of input) {
          await writer.waitForCapacity();
          if (!writer.write({ ...line, timestamp: new Date() })) throw new Error('dropped');
        }
        await writer.close();
        r.writer = N / ((performance.now() - t0) / 1000);
        if (writer.stats().written !== N) throw new Error('writer lost lines');
      } else {
        const docs: LogDocument[] = input.map((line) => ({ _id: new ObjectId(), ...line, timestamp: new Date() }) as LogDocument);
        const t0 = performance.now();
        for (let i = 0; i < docs.length; i += batchSize)
          await collection.insertMany(docs.slice(i, i + batchSize), { ordered: false });
        r.raw = N / ((performance.now() - t0) / 1000);
      }
      if ((await collection.estimatedDocumentCount()) !== N) throw new Error(`count mismatch for ${which}`);
      await client.db().dropDatabase();
      await client.close();
      await store.close();
    }
    results.push({ rep, writer: Math.round(r.writer ?? 0), raw: Math.round(r.raw ?? 0) });
    console.log(JSON.stringify(results.at(-1)));
  }
  console.log(JSON.stringify({ N, batchSize, results }));
}

async function latency() {
  const N = Number(process.argv[4] ?? 200_000);
  const runs = 200;
  const { store, client, collection } = await freshStore(`bench_q_${N}_${Date.now()}`);
  const t0 = performance.now();
  const start = Date.now() - N;
  for (let i = 0; i < N; i += 1000) {
    const docs = Array.from({ length: Math.min(1000, N - i) }, (_, k) => {
      const n = i + k;
      return {
        _id: new ObjectId(),
        tenantId: 'tenant-bench',
        workflowRunId: `run-${n % runs}`,
        stepRunId: `step-${n % (runs * 3)}`,
        level: levels[n % 4] ?? 'INFO',
        message: `bench line ${n} with some ordinary text in it`,
        context: { n, attempt: 1 },
        timestamp: new Date(start + n),
      } as LogDocument;
    });
    await collection.insertMany(docs, { ordered: false });
  }
  const loadMs = performance.now() - t0;
  console.log(
    JSON.stringify({ N, runs, loadSeconds: +(loadMs / 1000).toFixed(1), loadLinesPerSecond: Math.round(N / (loadMs / 1000)) }),
  );
  for (const order of ['asc', 'desc'] as const) {
    const times: number[] = [];
    for (let k = 0; k < 50; k++) {
      const t = performance.now();
      const page = await store.query({ tenantId: 'tenant-bench', workflowRunId: `run-${(k * 7) % runs}`, limit: 100, order });
      times.push(performance.now() - t);
      if (page.lines.length !== 100) throw new Error('short page');
    }
    // second page via cursor, for reference
    console.log(
      JSON.stringify({
        order,
        p50ms: +pct(times, 50).toFixed(1),
        p99ms: +pct(times, 99).toFixed(1),
        maxMs: +Math.max(...times).toFixed(1),
      }),
    );
  }
  if (process.argv[5] !== 'keep') await client.db().dropDatabase();
  await client.close();
  await store.close();
}

await (mode === 'throughput' ? throughput() : latency());
