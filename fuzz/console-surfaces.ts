// What the console reads (issue 16): `GET /v1/runs` (filters and keyset cursors), `GET /v1/runs/:runId`,
// `GET /v1/workflows` and `GET /v1/workflows/:workflowId`, with members' tokens and API keys.
import fc from 'fast-check';
import { apiKeyHeaders, bearer, type FuzzRequest, mostly, queryString } from './requests';
import type { Surface } from './surface';
import { hostileString } from './values';
import type { World } from './world';

const pathSegment = (value: string) => encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, ''));
const validCursor = Buffer.from(JSON.stringify([new Date().toISOString(), crypto.randomUUID()])).toString('base64url');

const get = (url: fc.Arbitrary<string>, headers: fc.Arbitrary<Record<string, string>>): fc.Arbitrary<FuzzRequest> =>
  fc.record({ url, headers }).map(({ url, headers }) => ({ method: 'GET' as const, url, headers }));

/** Run-list parameters, valid and not. */
function runQuery(world: World) {
  return queryString(
    fc.array(
      fc.tuple(
        mostly(['status', 'workflowId', 'triggerId', 'from', 'to', 'q', 'limit', 'cursor'], hostileString),
        fc.oneof(
          fc.constantFrom(
            'FAILED',
            'SUCCEEDED,CANCELLED',
            'DONE',
            ',,',
            '50',
            '0',
            '201',
            '2026-01-01T00:00:00Z',
            'yesterday',
            validCursor,
          ),
          fc.constantFrom(world.tenant.workflowId, world.other.workflowId, world.finishedRunId, world.triggerId),
          fc.uuid(),
          hostileString,
        ),
      ),
      { maxLength: 6 },
    ),
  );
}

export function consoleSurfaces(world: World): Surface[] {
  const auth = fc.oneof(
    { weight: 3, arbitrary: bearer([world.tokens[0] as string, world.tokens[1] as string]) },
    { weight: 1, arbitrary: apiKeyHeaders(world.apiKeys) },
  );
  const id = (known: string[]) => fc.oneof(fc.constantFrom(...known), fc.uuid(), hostileString).map(pathSegment);
  return [
    {
      name: 'runs REST',
      target: 'api',
      requests: fc.oneof(
        get(
          runQuery(world).map((query) => `/v1/runs?${query}`),
          auth,
        ),
        get(
          id([world.finishedRunId, world.otherRunId, world.pendingRunId]).map((runId) => `/v1/runs/${runId}`),
          auth,
        ),
      ),
    },
    {
      name: 'workflows REST',
      target: 'api',
      requests: fc.oneof(
        get(
          fc
            .oneof(fc.constant(''), fc.constantFrom('?limit=5', '?limit=0', '?limit=x', '?limit=501'))
            .map((q) => `/v1/workflows${q}`),
          auth,
        ),
        get(
          id([world.tenant.workflowId, world.other.workflowId]).map((workflowId) => `/v1/workflows/${workflowId}`),
          auth,
        ),
      ),
    },
  ];
}
