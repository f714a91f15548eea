import { loadBoardConfig } from '@conveyor/config';
import { createLogger } from '@conveyor/observability';
import { createRedisConnection, type Redis } from '@conveyor/queue';
import { createTestRedis, type TestRedis, testServices } from '@conveyor/testing';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBoard } from './app';

const username = 'operator';
const password = 'a-long-board-test-password';
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

let testRedis: TestRedis;
let redis: Redis;
let app: FastifyInstance;

beforeAll(async () => {
  testRedis = await createTestRedis('board');
  const config = loadBoardConfig({
    REDIS_URL: testServices().redisUrl,
    QUEUE_PREFIX: testRedis.prefix,
    BOARD_USERNAME: username,
    BOARD_PASSWORD: password,
  });
  redis = createRedisConnection(config.redis.url, 'producer');
  await redis.connect();
  app = await buildBoard({ config, log: createLogger({ service: 'board', level: 'silent' }), redis });
});

afterAll(async () => {
  await app?.close();
  redis?.disconnect();
  await testRedis?.cleanup();
});

describe('board', () => {
  it('answers /healthz without credentials', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('refuses requests without credentials and asks for basic auth', async () => {
    for (const url of ['/', '/api/queues', '/queue/runs']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(401);
      expect(response.headers['www-authenticate']).toContain('Basic realm="Conveyor Board"');
      expect(response.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: 'the board needs valid credentials' } });
    }
  });

  it('refuses a wrong password, a wrong username and a malformed header', async () => {
    for (const authorization of [basic(username, 'not-the-password'), basic('admin', password), 'Bearer nope']) {
      const response = await app.inject({ method: 'GET', url: '/api/queues', headers: { authorization } });
      expect(response.statusCode, authorization).toBe(401);
      expect(response.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    }
  });

  it('lists every Conveyor queue under QUEUE_PREFIX with the right credentials', async () => {
    const runs = new Queue('runs', { connection: testRedis.redis, prefix: testRedis.prefix });
    try {
      await runs.add('run', { tenantId: 't1', runId: 'r1' }, { jobId: 'run-r1' });
      const response = await app.inject({
        method: 'GET',
        url: '/api/queues',
        headers: { authorization: basic(username, password) },
      });
      expect(response.statusCode).toBe(200);
      const body = response.json() as { queues: { name: string; counts: Record<string, number> }[] };
      expect(body.queues.map((queue) => queue.name).sort()).toEqual(['runs', 'steps']);
      // The job added under the test prefix shows up: the board reads the same keys the producers write.
      expect(body.queues.find((queue) => queue.name === 'runs')?.counts.waiting).toBe(1);
    } finally {
      await runs.close();
    }
  });

  it('serves the UI and its assets with the right credentials', async () => {
    const headers = { authorization: basic(username, password) };
    const page = await app.inject({ method: 'GET', url: '/', headers });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<base href="/"');
    const asset = page.body.match(/src="(static\/[^"]+\.js)"/)?.[1];
    expect(asset).toBeDefined();
    expect((await app.inject({ method: 'GET', url: `/${asset}`, headers })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: `/${asset}` })).statusCode).toBe(401);
  });

  it('answers 400, not 500, for a URL whose percent-encoding is not UTF-8 (the fuzzer found Bull Board decoding it)', async () => {
    const headers = { authorization: basic(username, password) };
    for (const url of ['/api/queues?activeQueue=%ED%A0%80', '/api/queues?activeQueue=%E0%A4%A']) {
      const response = await app.inject({ method: 'GET', url, headers });
      expect(response.statusCode, url).toBe(400);
      expect(response.json(), url).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('answers 4xx, not 500, for query values Bull Board cannot decode or word its refusal of (found by the fuzzer)', async () => {
    const headers = { authorization: basic(username, password) };
    const garbledStatus = `/api/queues?status=d%5DbN%22%00A0A4C%26&activeQueue=${'x'.repeat(150)}`;
    for (const url of ['/api/queues?activeQueue=%24F3%1FbX%3D%25b', '/api/queues?activeQueue=nope', garbledStatus]) {
      const response = await app.inject({ method: 'GET', url, headers });
      expect(response.statusCode, url).toBeLessThan(500);
    }
  });

  it('answers 409, not 500, for a job operation its state does not allow, and 400 for job data nested too deep', async () => {
    const headers = { authorization: basic(username, password), 'content-type': 'application/json' };
    const queue = new Queue('runs', { connection: redis, prefix: testRedis.prefix });
    const app = await writableBoard(); // job operations are refused outright on the default, read-only board
    try {
      const job = await queue.add('run', { runId: 'r1' });
      const promote = await app.inject({ method: 'PUT', url: `/api/queues/runs/${job.id}/promote`, headers, payload: '{}' });
      expect(promote.statusCode).toBe(409);
      expect(promote.json()).toMatchObject({ error: { key: 'ERRORS.JOB_STATE_CONFLICT' } });
      const depth = 10_000;
      const payload = `{"name":"x","data":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
      const add = await app.inject({ method: 'POST', url: '/api/queues/steps/add', headers, payload });
      expect(add.statusCode).toBe(400);
      expect(add.json().message).toMatch(/^body\.data(\.a)+: is nested more than 64 levels deep/);
    } finally {
      await queue.close();
      await app.close();
    }
  });
});

describe('board write actions', () => {
  const pause = (board: FastifyInstance) =>
    board.inject({ method: 'PUT', url: '/api/queues/runs/pause', headers: { authorization: basic(username, password) } });

  it('are refused by default (BOARD_READ_ONLY), so no job is retried, promoted or deleted behind the engine', async () => {
    const response = await pause(app);
    expect(response.statusCode).toBe(405);
    const runs = new Queue('runs', { connection: testRedis.redis, prefix: testRedis.prefix });
    try {
      expect(await runs.isPaused()).toBe(false);
    } finally {
      await runs.close();
    }
  });

  it('are allowed when the operator sets BOARD_READ_ONLY=false', async () => {
    const writable = await writableBoard();
    const runs = new Queue('runs', { connection: testRedis.redis, prefix: testRedis.prefix });
    try {
      expect((await pause(writable)).statusCode).toBeLessThan(300);
      expect(await runs.isPaused()).toBe(true);
      await runs.resume();
    } finally {
      await runs.close();
      await writable.close();
    }
  });
});

/** A board an operator made writable (BOARD_READ_ONLY=false), on the test's queues. */
function writableBoard(): Promise<FastifyInstance> {
  const config = loadBoardConfig({
    REDIS_URL: testServices().redisUrl,
    QUEUE_PREFIX: testRedis.prefix,
    BOARD_USERNAME: username,
    BOARD_PASSWORD: password,
    BOARD_READ_ONLY: 'false',
  });
  return buildBoard({ config, log: createLogger({ service: 'board', level: 'silent' }), redis });
}
