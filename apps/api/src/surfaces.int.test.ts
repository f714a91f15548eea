import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, TEST_HOOK_SECRET, type TestApi } from '../test/test-api';

const runId = '3f1d2c4b-0000-4000-8000-00000000a001';
const secret = { 'x-conveyor-hook-secret': TEST_HOOK_SECRET };

let publicApi: TestApi;
let internalApi: TestApi;
beforeAll(async () => {
  publicApi = await createTestApi({ label: 'surface_public', surface: 'public' });
  internalApi = await createTestApi({ label: 'surface_internal', surface: 'internal' });
});
afterAll(async () => {
  await Promise.all([publicApi.close(), internalApi.close()]);
});

const status = async (api: TestApi, method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}) =>
  (await api.app.inject({ method, url, headers, ...(method === 'POST' ? { payload: {} } : {}) })).statusCode;

describe('the public listener (API_PORT) with API_INTERNAL_PORT set', () => {
  it("serves the app-facing routes and health, and none of Hasura's hooks nor /metrics", async () => {
    expect(await status(publicApi, 'GET', '/healthz')).toBe(200);
    expect(await status(publicApi, 'GET', `/v1/runs/${runId}/logs`)).toBe(401);
    expect(await status(publicApi, 'POST', `/hooks/triggers/${runId}`)).toBe(404); // the route answers: no such trigger
    for (const url of [
      '/hooks/hasura/events',
      '/hooks/hasura/actions/cancel-workflow-run',
      '/hooks/hasura/validate/run-insert',
      '/graphql/logs',
    ]) {
      const reply = await publicApi.app.inject({ method: 'POST', url, headers: secret, payload: {} });
      expect(reply.statusCode, url).toBe(404);
      expect(reply.json().error.message, url).toMatch(/^no route/);
    }
    expect(await status(publicApi, 'GET', '/metrics')).toBe(404);
  });
});

describe('the internal listener (API_INTERNAL_PORT)', () => {
  it("serves Hasura's hooks, /metrics and health, and none of the app-facing routes", async () => {
    expect(await status(internalApi, 'GET', '/healthz')).toBe(200);
    expect(await status(internalApi, 'GET', '/metrics')).toBe(200);
    expect(await status(internalApi, 'POST', '/hooks/hasura/events')).toBe(401); // the route answers: no secret
    const logs = await internalApi.app.inject({ method: 'GET', url: `/v1/runs/${runId}/logs` });
    expect(logs.statusCode).toBe(404);
    expect(logs.json().error.message).toMatch(/^no route/);
    const trigger = await internalApi.app.inject({ method: 'POST', url: `/hooks/triggers/${runId}`, payload: {} });
    expect(trigger.json().error.message).toMatch(/^no route/);
  });
});
