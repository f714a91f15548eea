// The surfaces of issue 15's control flow: definitions with forEach, branches, joins, waits, child runs and
// concurrency published by a tenant admin; events sent to waiting steps (`POST /v1/events` with a member's
// token or an API key with events:send, and the sendWorkflowEvent action); a debounced webhook trigger.
import fc from 'fast-check';
import { definitionValue } from './definitions';
import { actionSurface, session, webhookSurface } from './hook-surfaces';
import { apiKeyHeaders, bearer, jsonPost, mostly, secretHeader } from './requests';
import type { Surface } from './surface';
import { hostileString, hostileValue, mutated } from './values';
import type { World } from './world';

const MAX_PAYLOAD_BYTES = 64 * 1024;
const WEEK_MS = 7 * 24 * 3_600_000;

/**
 * An event: mostly a name and key a world step waits for (the first such event is delivered, the rest
 * kept), else the platform's own names, names and keys past their lengths, hostile strings; payloads
 * around the 64 KiB bound (in 1-, 2- and 4-byte characters); ttlMs in and out of 1 s – 7 days.
 */
export function eventInput(world: World): fc.Arbitrary<unknown> {
  const event = mostly(
    [world.waitingEvent.event, 'order.approved', 'shipped'],
    fc.oneof(
      fc.constantFrom('conveyor.run.ended', 'conveyor.', 'Conveyor.x', ' conveyor.x', '', 'x'.repeat(200), 'x'.repeat(201)),
      hostileString,
    ),
  );
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(world.waitingEvent.key, 'order-2', world.pendingRunId) },
    { weight: 1, arbitrary: fc.constantFrom('', 'k'.repeat(500), 'k'.repeat(501)) },
    { weight: 2, arbitrary: hostileString },
  );
  const nearBound = fc.tuple(fc.integer({ min: -40, max: 40 }), fc.constantFrom('x', 'é', '😀')).map(([offset, char]) => {
    const bytesPerChar = Buffer.byteLength(char);
    return { blob: char.repeat(Math.floor((MAX_PAYLOAD_BYTES - 11) / bytesPerChar) + offset) };
  });
  const payload = fc.oneof(
    { weight: 4, arbitrary: hostileValue },
    { weight: 1, arbitrary: nearBound },
    { weight: 1, arbitrary: fc.constantFrom(null, { amount: 12 }, [], '', 0) },
  );
  const ttlMs = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 1_000, max: WEEK_MS }) },
    { weight: 1, arbitrary: fc.constantFrom(999, WEEK_MS + 1, 0, -1, 1_000.5, 1e308, '60000', null) },
  );
  return fc.record({ event, key, payload, ttlMs }, { requiredKeys: ['event', 'key'] });
}

/**
 * The publish action as a tenant admin calls it (mostly), so that the definition itself is judged: the
 * action surface's own envelope (session, secret, ids) is mutated so often that few definitions get
 * that far. The definition is mutated in two requests out of five, beyond its fields' own hostility.
 */
function publishSurface(world: World): Surface {
  const admin = (tenant: World['tenant']) => ({
    'x-hasura-role': 'tenant_admin',
    'x-hasura-tenant-id': tenant.tenantId,
    'x-hasura-user-id': tenant.userId,
  });
  const workflowIds = [world.tenant.workflowId, world.other.workflowId];
  const body = fc
    .record({
      workflowId: fc.oneof(
        { weight: 8, arbitrary: fc.constant(world.tenant.workflowId) },
        { weight: 1, arbitrary: fc.oneof(fc.constant(world.other.workflowId), fc.uuid()) },
      ),
      definition: fc.oneof(
        { weight: 3, arbitrary: definitionValue(workflowIds, { huge: true }) },
        { weight: 2, arbitrary: definitionValue(workflowIds, { huge: true }).chain(mutated) },
      ),
      session_variables: fc.oneof(
        { weight: 8, arbitrary: fc.constant(admin(world.tenant)) },
        { weight: 1, arbitrary: fc.constant(admin(world.other)) },
        { weight: 1, arbitrary: session(world) },
      ),
    })
    .map(({ workflowId, definition, session_variables }) => ({
      action: { name: 'publishWorkflowVersion' },
      input: { workflowId, definition },
      session_variables,
    }));
  return {
    name: 'publish definitions',
    target: 'api',
    requests: jsonPost(
      fc.constant('/hooks/hasura/actions/publish-workflow-version'),
      body,
      secretHeader('x-conveyor-hook-secret', world.hookSecret),
    ),
  };
}

export function flowSurfaces(world: World): Surface[] {
  // The events route takes a member's token or a key with events:send (the others' keys lack the scope).
  const [runsKey = '', otherKey = '', eventsKey = ''] = world.apiKeys;
  const auth = fc.oneof(
    { weight: 2, arbitrary: bearer([world.tokens[0] as string, world.tokens[1] as string]) },
    { weight: 2, arbitrary: apiKeyHeaders([eventsKey, eventsKey, runsKey, otherKey]) },
  );
  return [
    publishSurface(world),
    {
      name: 'events REST',
      target: 'api',
      requests: jsonPost(fc.constant('/v1/events'), eventInput(world).chain(mutated), auth),
    },
    actionSurface(world, 'send-workflow-event', eventInput(world)),
    webhookSurface('webhook trigger (debounced)', world.debouncedTrigger),
  ];
}
