import { createTestDatabase, type TestDatabase } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi } from '../../../test/test-api';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('health');
});
afterAll(async () => {
  await db.drop();
});

describe('health endpoints', () => {
  it('/healthz and /readyz answer 200 when every dependency is up', async () => {
    const { app, close } = await createTestApi({ db });
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ ok: true, checks: { postgres: { ok: true }, redis: { ok: true } } });
    } finally {
      await close();
    }
  });

  it('/readyz answers 503 and names Redis when Redis is unreachable', async () => {
    const { app, close } = await createTestApi({ db, redisUrl: 'redis://127.0.0.1:1' });
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ ok: false, checks: { postgres: { ok: true }, redis: { ok: false } } });
      // A fixed sentence, never the driver's own text.
      expect(ready.json().checks.redis.error).toBe('redis did not answer');
    } finally {
      await close();
    }
  });

  it('stays ready while the log store is down (logs are off the run path), naming it as degraded', async () => {
    const { app, close } = await createTestApi({ db, mongoUrl: 'mongodb://127.0.0.1:1/conveyor' });
    try {
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({
        ok: true,
        degraded: ['logStore'],
        checks: { postgres: { ok: true }, logStore: { ok: false } },
      });
      expect(ready.json().checks.logStore.error).toBe('logStore did not answer');
    } finally {
      await close();
    }
  });

  it('serves Prometheus metrics and a JSON 404 for unknown routes', async () => {
    const { app, close } = await createTestApi({ db });
    try {
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.headers['content-type']).toContain('text/plain');
      expect(metrics.body).toContain('nodejs_eventloop_lag_seconds');
      const missing = await app.inject({ method: 'GET', url: '/nope' });
      expect(missing.statusCode).toBe(404);
      expect(missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    } finally {
      await close();
    }
  });
});
