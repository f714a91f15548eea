// The console's own server (apps/console/src/server): its pages and assets, and `/v1/*` relayed to the
// api with whatever the caller sends — hostile paths, methods, headers, bodies and credentials.
import fc from 'fast-check';
import { bearer, headerValue, jsonPost, mostly, queryString } from './requests';
import type { Surface } from './surface';
import { hostileString, mutated } from './values';
import type { World } from './world';

const segment = (value: string) => encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, ''));

export function consoleAppSurface(world: World): Surface {
  const id = fc.oneof(
    fc.constantFrom(world.finishedRunId, world.otherRunId, world.pendingRunId),
    fc.uuid(),
    hostileString.map(segment),
  );
  const page = fc.oneof(
    fc.constantFrom('/', '/sign-in', '/runs', '/workflows', '/healthz', '/assets/index.js', '/index.html', '/v1', '/v1/'),
    id.map((runId) => `/runs/${runId}`),
    hostileString.map((value) => `/assets/${segment(value)}`),
    hostileString.map((value) => `/${segment(value)}`),
    fc.constantFrom('/../package.json', '/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json', '//v1/runs'),
  );
  const relayed = fc.oneof(
    fc.constantFrom('/v1/runs', '/v1/session', '/v1/workflows', '/v1/runs/cancel'),
    id.map((runId) => `/v1/runs/${runId}`),
    id.map((runId) => `/v1/runs/${runId}/logs`),
    hostileString.map((value) => `/v1/${segment(value)}`),
  );
  const query = fc.option(
    queryString(fc.array(fc.tuple(mostly(['status', 'limit', 'cursor', 'q'], hostileString), hostileString), { maxLength: 3 })),
  );
  const headers = fc
    .tuple(bearer(world.tokens), fc.option(headerValue), fc.option(headerValue))
    .map(([auth, forwarded, lastEventId]) => ({
      ...auth,
      ...(forwarded === null ? {} : { 'x-forwarded-for': forwarded }),
      ...(lastEventId === null ? {} : { 'last-event-id': lastEventId }),
    }));
  const withQuery = (path: fc.Arbitrary<string>) => fc.tuple(path, query).map(([url, q]) => (q ? `${url}?${q}` : url));
  return {
    name: 'console app',
    target: 'console',
    requests: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({ url: withQuery(fc.oneof(page, relayed)), headers }).map((r) => ({ method: 'GET' as const, ...r })),
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(
            fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH') as fc.Arbitrary<'POST' | 'PUT' | 'DELETE' | 'PATCH'>,
            fc.oneof(page, relayed),
            headers,
          )
          .chain(([method, url, sent]) =>
            jsonPost(fc.constant(url), mutated({ runIds: [world.finishedRunId], reason: 'x' }), fc.constant(sent)).map(
              (request) => ({
                ...request,
                method,
              }),
            ),
          ),
      },
    ),
  };
}
