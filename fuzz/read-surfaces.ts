// The read surfaces: log pages (REST), the log tail (SSE), the GraphQL log schema, health, and the board.
import fc from 'fast-check';
import { apiKeyHeaders, bearer, type FuzzRequest, headerValue, jsonPost, mostly, queryString, secretHeader } from './requests';
import type { Surface } from './surface';
import { hostileString, hostileValue, mutated } from './values';
import type { World } from './world';

const uuid = fc.uuid();
const pathSegment = (value: string) => encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, ''));
const validCursor = Buffer.from(JSON.stringify({ t: Date.now(), id: 'a'.repeat(24) })).toString('base64url');

/** Log query parameters, valid and not. */
const logQuery = queryString(
  fc.array(
    fc.tuple(
      mostly(['stepRunId', 'level', 'since', 'until', 'limit', 'cursor', 'order'], hostileString),
      fc.oneof(
        fc.constantFrom(
          'WARN',
          'DEBUG',
          'asc',
          'desc',
          '10',
          '0',
          '1001',
          '-1',
          '2026-01-01T00:00:00Z',
          'yesterday',
          validCursor,
        ),
        uuid,
        hostileString,
      ),
    ),
    { maxLength: 5 },
  ),
);

const get = (url: fc.Arbitrary<string>, headers: fc.Arbitrary<Record<string, string>>): fc.Arbitrary<FuzzRequest> =>
  fc.record({ url, headers }).map(({ url, headers }) => ({ method: 'GET' as const, url, headers }));

const graphqlDocuments = fc.oneof(
  fc.constantFrom(
    'query($id: ID!) { runLogs(workflowRunId: $id) { lines { id level message context timestamp } nextCursor } }',
    'query($id: ID!, $c: String, $l: Int) { runLogs(workflowRunId: $id, cursor: $c, limit: $l, minLevel: "WARN") { nextCursor } }',
    '{ __schema { types { name } } }',
    '{ runLogs(workflowRunId: "x") { lines { id } } }',
    'mutation { x }',
    '{ runLogs',
    `{ ${'a { '.repeat(300)}${'}'.repeat(300)} }`,
    '',
  ),
  hostileString,
);

export function readSurfaces(world: World): Surface[] {
  const runId = fc.oneof(fc.constantFrom(world.finishedRunId, world.otherRunId), uuid, hostileString).map(pathSegment);
  // The tail never waits on an unfinished run of the caller's tenant: only finished, foreign or unknown runs.
  const tailRunId = fc.oneof(fc.constantFrom(world.finishedRunId, world.otherRunId), uuid, hostileString).map(pathSegment);
  // The log routes take a member's token or an API key with runs:read.
  const auth = fc.oneof(
    { weight: 3, arbitrary: bearer([world.tokens[0] as string, world.tokens[1] as string]) },
    { weight: 1, arbitrary: apiKeyHeaders(world.apiKeys) },
  );
  const tenantHeader = fc
    .oneof(fc.constantFrom(world.tenant.tenantId, world.other.tenantId), uuid, headerValue)
    .map((tenant) => ({ 'x-hasura-tenant-id': tenant }));
  const hasura = fc
    .tuple(secretHeader('x-conveyor-hook-secret', world.hookSecret), tenantHeader)
    .map(([a, b]) => ({ ...a, ...b }));
  return [
    {
      name: 'logs REST',
      target: 'api',
      requests: get(
        fc.tuple(runId, logQuery).map(([id, query]) => `/v1/runs/${id}/logs?${query}`),
        auth,
      ),
    },
    {
      name: 'logs SSE',
      target: 'api',
      requests: get(
        fc.tuple(tailRunId, logQuery).map(([id, query]) => `/v1/runs/${id}/logs/stream?${query}`),
        fc
          .tuple(auth, fc.option(fc.oneof(fc.constant(validCursor), headerValue)))
          .map(([headers, lastEventId]) => ({ ...headers, ...(lastEventId === null ? {} : { 'last-event-id': lastEventId }) })),
      ),
    },
    {
      name: 'graphql logs',
      target: 'api',
      refusalsNameFields: false,
      requests: fc.oneof(
        {
          weight: 4,
          arbitrary: jsonPost(
            fc.constant('/graphql/logs'),
            fc
              .record({
                query: graphqlDocuments,
                id: runId,
                cursor: fc.oneof(fc.constant(validCursor), hostileString),
                limit: fc.integer(),
              })
              .chain(({ query, id, cursor, limit }) => mutated({ query, variables: { id, c: cursor, l: limit } })),
            hasura,
          ),
        },
        {
          weight: 1,
          arbitrary: get(
            fc
              .tuple(graphqlDocuments, hostileValue)
              .map(
                ([query, variables]) =>
                  `/graphql/logs?${new URLSearchParams({ query: strip(query), variables: strip(JSON.stringify(variables) ?? '') })}`,
              ),
            hasura,
          ),
        },
      ),
    },
    {
      name: 'health',
      target: 'api',
      requests: fc
        .record({
          method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'),
          path: mostly(
            ['/healthz', '/readyz', '/metrics'],
            hostileString.map((value) => `/${pathSegment(value)}`),
          ),
          query: fc.option(logQuery),
          headers: fc.dictionary(fc.constantFrom('accept', 'x-forwarded-for', 'user-agent', 'cookie'), headerValue),
        })
        .map(({ method, path, query, headers }): FuzzRequest => ({ method, url: query ? `${path}?${query}` : path, headers })),
    },
    boardSurface(world),
  ];
}

/** Bull Board behind basic auth: its pages and JSON api, with valid and wrong credentials. */
function boardSurface(world: World): Surface {
  const { username, password } = world.boardAuth;
  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  const auth = fc.oneof(
    { weight: 6, arbitrary: fc.constant({ authorization: basic(username, password) }) },
    { weight: 2, arbitrary: fc.tuple(headerValue, headerValue).map(([user, pass]) => ({ authorization: basic(user, pass) })) },
    { weight: 1, arbitrary: headerValue.map((value) => ({ authorization: value })) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
  const queue = mostly(['runs', 'steps', 'timeouts', 'schedules'], hostileString).map(pathSegment);
  const job = fc.oneof(fc.constantFrom('run-1', '1'), hostileString).map(pathSegment);
  const path = fc.oneof(
    fc.constantFrom('/', '/healthz', '/api/queues', '/api/redis/stats', '/static/index.css', '/queue/runs'),
    fc
      .tuple(queue, job, fc.constantFrom('retry', 'promote', 'clean', 'logs', ''))
      .map(([q, j, action]) => `/api/queues/${q}/${j}/${action}`),
    fc
      .tuple(queue, fc.constantFrom('retry/failed', 'clean/completed', 'pause', 'resume', 'empty', 'add'))
      .map(([q, action]) => `/api/queues/${q}/${action}`),
    hostileString.map((value) => `/${pathSegment(value)}`),
  );
  const query = fc.option(
    queryString(
      fc.array(fc.tuple(mostly(['activeQueue', 'status', 'page', 'jobsPerPage'], hostileString), hostileString), {
        maxLength: 4,
      }),
    ),
  );
  return {
    name: 'board',
    target: 'board',
    requests: fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .record({ path, query, headers: auth })
          .map(({ path, query, headers }): FuzzRequest => ({ method: 'GET', url: query ? `${path}?${query}` : path, headers })),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom('PUT', 'POST', 'DELETE') as fc.Arbitrary<'PUT' | 'POST' | 'DELETE'>, path, auth)
          .chain(([method, url, headers]) =>
            jsonPost(fc.constant(url), mutated({ data: { a: 1 }, name: 'x' }), fc.constant(headers)).map((request) => ({
              ...request,
              method,
            })),
          ),
      },
    ),
  };
}

/** Drops lone surrogates, which URLSearchParams would replace anyway. */
function strip(value: string): string {
  return value.replace(/[\uD800-\uDFFF]/g, '');
}
