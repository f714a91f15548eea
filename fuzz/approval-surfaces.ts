// The approval surfaces (issue 15): links made for a waiting approval step (`POST /v1/runs/:runId/approvals`,
// a member's token or an API key with events:send) and the links themselves (`GET`/`POST /v1/approvals/:token`,
// no credential but the token): valid, altered, truncated, extended, foreign and garbage tokens.
import fc from 'fast-check';
import { apiKeyHeaders, bearer, type FuzzRequest, jsonPost, mostly } from './requests';
import type { Surface } from './surface';
import { hostileString, hostileValue, mutated } from './values';
import type { World } from './world';

const pathSegment = (value: string) => encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, ''));

/** Link tokens: the world's two, and each changed the ways a guesser or a broken mail client would. */
function linkToken(world: World): fc.Arbitrary<string> {
  const valid = [world.approval.approveToken, world.approval.rejectToken];
  const changed = fc
    .tuple(fc.constantFrom(...valid), fc.nat(73), fc.constantFrom('A', '_', '-', '0', 'z'))
    .map(([token, at, char]) => `${token.slice(0, at)}${char}${token.slice(at + 1)}`);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...valid) },
    { weight: 3, arbitrary: changed },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...valid)
        .chain((token) =>
          fc.constantFrom(token.slice(0, -1), `${token}A`, token.slice(0, 40), `${token}.${token}`, token.toUpperCase()),
        ),
    },
    { weight: 2, arbitrary: hostileString },
  );
}

export function approvalSurfaces(world: World): Surface[] {
  const [runsKey = '', otherKey = '', eventsKey = ''] = world.apiKeys;
  const auth = fc.oneof(
    { weight: 2, arbitrary: bearer([world.tokens[0] as string, world.tokens[1] as string]) },
    { weight: 1, arbitrary: apiKeyHeaders([eventsKey, runsKey, otherKey]) },
  );
  const runId = fc
    .oneof(
      { weight: 4, arbitrary: fc.constant(world.approval.runId) },
      { weight: 1, arbitrary: fc.constantFrom(world.finishedRunId, world.otherRunId) },
      { weight: 1, arbitrary: fc.oneof(fc.uuid(), hostileString) },
    )
    .map(pathSegment);
  const linksBody = fc.oneof(
    { weight: 3, arbitrary: fc.record({ stepKey: mostly([world.approval.stepKey, 'nope'], hostileString) }) },
    { weight: 1, arbitrary: hostileValue },
  );
  const decision = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({ comment: fc.oneof(fc.string({ maxLength: 2_100 }), fc.constant(null)) }, { requiredKeys: [] }),
    },
    { weight: 1, arbitrary: hostileValue },
  );
  const view = fc
    .tuple(linkToken(world).map(pathSegment), fc.constant({}))
    .map(([token, headers]): FuzzRequest => ({ method: 'GET', url: `/v1/approvals/${token}`, headers }));
  return [
    {
      name: 'approval links',
      target: 'api',
      requests: jsonPost(
        runId.map((id) => `/v1/runs/${id}/approvals`),
        linksBody.chain(mutated),
        auth,
      ),
    },
    {
      name: 'approval decisions',
      target: 'api',
      requests: fc.oneof(
        jsonPost(
          linkToken(world).map((token) => `/v1/approvals/${pathSegment(token)}`),
          decision.chain(mutated),
          fc.constant({}),
        ),
        view,
      ),
    },
  ];
}
