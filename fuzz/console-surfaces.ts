// What the console reads (issue 16): `GET /v1/runs` (filters and keyset cursors), `GET /v1/runs/:runId`,
// `GET /v1/workflows`, `GET /v1/workflows/:workflowId` and its `/stats`, with members' tokens and API keys;
// and what it does: the session and its token exchange (`GET /v1/session`, `POST /v1/session/tenant`), and
// cancels and retries of one run or of many (`POST /v1/runs/:runId/cancel|retry`, `POST /v1/runs/cancel|retry`).
import fc from 'fast-check';
import { apiKeyHeaders, bearer, type FuzzRequest, jsonPost, mostly, queryString } from './requests';
import type { Surface } from './surface';
import { hostileString, hostileValue, mutated } from './values';
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
          fc
            .tuple(id([world.tenant.workflowId, world.other.workflowId]), fc.constantFrom('', '/stats'))
            .map(([workflowId, view]) => `/v1/workflows/${workflowId}${view}`),
          auth,
        ),
      ),
    },
    {
      name: 'session REST',
      target: 'api',
      requests: fc.oneof(
        get(fc.constant('/v1/session'), auth),
        jsonPost(
          fc.constant('/v1/session/tenant'),
          fc
            .record({
              tenantId: fc.oneof(fc.constantFrom(world.tenant.tenantId, world.other.tenantId), fc.uuid(), hostileString),
            })
            .chain(mutated),
          auth,
        ),
      ),
    },
    {
      name: 'run commands REST',
      target: 'api',
      requests: runCommands(world, auth),
    },
  ];
}

/** Cancels and retries of the world's runs (not the approval's: its surface needs it waiting), one or many. */
function runCommands(world: World, auth: fc.Arbitrary<Record<string, string>>): fc.Arbitrary<FuzzRequest> {
  const runId = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(world.pendingRunId, world.finishedRunId, world.otherRunId) },
    { weight: 1, arbitrary: fc.oneof(fc.uuid(), hostileString) },
  );
  const reason = fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 520 }) }, { weight: 1, arbitrary: hostileValue });
  const command = fc.constantFrom('cancel', 'retry');
  const one = jsonPost(
    fc.tuple(runId.map(pathSegment), command).map(([id, verb]) => `/v1/runs/${id}/${verb}`),
    fc.oneof(fc.record({ reason }, { requiredKeys: [] }), fc.constant(null)).chain(mutated),
    auth,
  );
  const many = jsonPost(
    command.map((verb) => `/v1/runs/${verb}`),
    fc
      .record(
        { runIds: fc.oneof(fc.uniqueArray(runId, { maxLength: 8 }), fc.uniqueArray(fc.uuid(), { maxLength: 105 })), reason },
        { requiredKeys: ['runIds'] },
      )
      .chain(mutated),
    auth,
  );
  return fc.oneof(one, many);
}
