import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../apps/api/test/test-api';

const file = path.join(repoRoot, 'docs', 'openapi.json');
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ label: 'openapi' });
});
afterAll(async () => {
  await api?.close();
});

describe('docs/openapi.json', () => {
  it('is what the api serves at /docs/json, and describes every app-facing route and none of Hasura’s', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const served = response.json() as { paths: Record<string, unknown> };
    // UPDATE_DOCS=1 npx vitest run tests/docs/openapi.int.test.ts rewrites the file.
    if (process.env.UPDATE_DOCS === '1') writeFileSync(file, `${JSON.stringify(served, null, 2)}\n`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(served);
    const paths = Object.keys(served.paths);
    for (const route of [
      '/v1/runs',
      '/v1/runs/{runId}',
      '/v1/runs/{runId}/logs',
      '/v1/events',
      '/v1/approvals/{token}',
      '/v1/workflows',
      '/v1/workflows/{workflowId}/stats',
      '/v1/session',
      '/v1/session/tenant',
      '/v1/runs/{runId}/cancel',
      '/v1/runs/retry',
    ]) {
      expect(paths, route).toContain(route);
    }
    expect(paths.filter((route) => route.startsWith('/hooks/hasura') || route.startsWith('/graphql'))).toEqual([]);
  });
});
