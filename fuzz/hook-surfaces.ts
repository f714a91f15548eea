// The surfaces Hasura and outside systems POST to: the actions, the two validation hooks,
// the event webhook and the webhook trigger. Each starts from a valid body and mutates it.
import { hasuraRunInsertedEvent } from '@conveyor/testing';
import fc from 'fast-check';
import { definitionValue, templateOf } from './definitions';
import { headerValue, jsonPost, mostly, secretHeader } from './requests';
import type { Surface } from './surface';
import { hostileString, hostileValue, mutated } from './values';
import type { World } from './world';

const HOOK = 'x-conveyor-hook-secret';
const uuid = fc.uuid();

/** Run ids: the world's runs, another tenant's, unknown ones and non-uuids. */
const runIdOf = (world: World) =>
  fc.oneof(fc.constantFrom(world.pendingRunId, world.finishedRunId, world.otherRunId), uuid, hostileString);

/** The session Hasura resolves: member, tenant admin, admin secret; our tenant, another, none, garbage. */
export function session(world: World): fc.Arbitrary<Record<string, string>> {
  return fc.record(
    {
      'x-hasura-role': mostly(['user', 'tenant_admin', 'admin'], hostileString),
      'x-hasura-tenant-id': fc.oneof(fc.constantFrom(world.tenant.tenantId, world.other.tenantId), uuid, hostileString),
      'x-hasura-user-id': fc.oneof(fc.constantFrom(world.tenant.userId, world.other.userId), uuid, hostileString),
    },
    { requiredKeys: [] },
  );
}

/** A webhook trigger's debounce: a window in (or out of) 100 ms – 1 hour, a key over the body, or a bad one. */
const debounce = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        windowMs: fc.oneof(
          { weight: 4, arbitrary: fc.integer({ min: 100, max: 3_600_000 }) },
          { weight: 1, arbitrary: fc.constantFrom(0, 99, 3_600_001, 100.5, -1, 1e308, '1000', null) },
        ),
        // Keys over the body, and keys the action refuses: a step's output, no body field, a clock, a regex bomb.
        key: fc.oneof(
          {
            weight: 8,
            arbitrary: templateOf([
              '{{ input.orderId }}',
              '{{ input.customer.id & "/" & input.region }}',
              '{{ $string(input.orderId) }}',
              'order-{{ input.orderId }}',
              '{{ steps.a.output }}',
              '{{ customerId }}',
              'static',
              '{{ $now() }}',
              '{{ input.s ~> $match(/(a+)+$/) }}',
            ]),
          },
          { weight: 1, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: hostileString },
        ),
      },
      { requiredKeys: ['windowMs'] },
    ),
  },
  { weight: 1, arbitrary: hostileValue },
);

/** A valid input for each action, from the world's ids. */
const actionInputs = (world: World): Record<string, fc.Arbitrary<unknown>> => ({
  'cancel-workflow-run': fc.record(
    { runId: runIdOf(world), reason: fc.oneof(hostileString, fc.constant(null)) },
    { requiredKeys: ['runId'] },
  ),
  'retry-workflow-run': fc.record({ runId: runIdOf(world) }),
  'publish-workflow-version': fc.record({
    workflowId: fc.oneof(fc.constantFrom(world.tenant.workflowId, world.other.workflowId), uuid),
    definition: definitionValue([world.tenant.workflowId, world.other.workflowId], { huge: false }),
  }),
  'create-connection': fc.record({
    name: hostileString,
    appKey: fc.constantFrom(null, 'core', 'nope'),
    credentials: fc.constant({ token: 't' }),
  }),
  'invite-member': fc.record({
    email: fc.oneof(fc.emailAddress(), hostileString),
    role: mostly(['ADMIN', 'MEMBER'], hostileString),
  }),
  'accept-invitation': fc.record({ token: fc.oneof(fc.string({ minLength: 16, maxLength: 64 }), hostileString) }),
  'create-webhook-trigger': fc.record(
    {
      workflowId: fc.oneof(fc.constantFrom(world.tenant.workflowId, world.other.workflowId), uuid),
      requireSignature: fc.oneof(fc.boolean(), fc.constant(null)),
      debounce,
    },
    { requiredKeys: ['workflowId'] },
  ),
  'rotate-webhook-trigger-secret': fc.record({ triggerId: fc.oneof(fc.constant(world.spareTriggerId), uuid) }),
  'create-api-key': fc.record(
    {
      name: hostileString,
      scopes: fc.array(mostly(['events:send', 'runs:read'], hostileString), { maxLength: 4 }),
      expiresInDays: fc.oneof(fc.integer(), fc.constant(null)),
    },
    { requiredKeys: ['name', 'scopes'] },
  ),
  'revoke-api-key': fc.record({ id: fc.oneof(fc.constant(world.spareApiKeyId), uuid) }),
});

/** A Hasura action route: a valid-shaped input in Hasura's body, with a session, mutated. */
export function actionSurface(world: World, path: string, input: fc.Arbitrary<unknown>): Surface {
  return {
    name: `action ${path}`,
    target: 'api',
    requests: jsonPost(
      fc.constant(`/hooks/hasura/actions/${path}`),
      fc
        .record({ input, session_variables: session(world) })
        .chain(({ input, session_variables }) => mutated({ action: { name: path }, input, session_variables })),
      secretHeader(HOOK, world.hookSecret),
    ),
  };
}

/** A webhook trigger's calls: its id mostly (else unknown or hostile), its secret mostly, an idempotency key now and then. */
export function webhookSurface(name: string, trigger: { id: string; secret: string }): Surface {
  return {
    name,
    target: 'api',
    requests: jsonPost(
      fc
        .oneof(
          { weight: 6, arbitrary: fc.constant(trigger.id) },
          { weight: 1, arbitrary: uuid },
          { weight: 1, arbitrary: hostileString },
        )
        .map((id) => `/hooks/triggers/${encodeURIComponent(id.replace(/[\uD800-\uDFFF]/g, ''))}`),
      mutated({ orderId: 42, items: [{ sku: 'a-1', qty: 2 }], note: null }),
      fc
        .tuple(secretHeader('x-conveyor-trigger-secret', trigger.secret), fc.option(headerValue))
        .map(([secret, key]) => ({ ...secret, ...(key === null ? {} : { 'idempotency-key': key }) })),
    ),
  };
}

export function hookSurfaces(world: World): Surface[] {
  const hook = secretHeader(HOOK, world.hookSecret);
  const actions = Object.entries(actionInputs(world)).map(([path, input]) => actionSurface(world, path, input));
  const validation = (name: string, row: fc.Arbitrary<unknown>): Surface => ({
    name: `validate ${name}`,
    target: 'api',
    requests: jsonPost(
      fc.constant(`/hooks/hasura/validate/${name}`),
      fc
        .record({
          rows: fc.array(row, { maxLength: 3 }),
          session_variables: session(world),
          role: mostly(['tenant_admin', 'user'], hostileString),
        })
        .chain(({ rows, session_variables, role }) => mutated({ version: 1, role, session_variables, data: { input: rows } })),
      hook,
    ),
  });
  const cron = mostly(['*/5 * * * *', '0 9 * * 1-5', '* * * * *'], hostileString);
  const timezone = mostly(['UTC', 'Europe/Paris'], hostileString);
  return [
    ...actions,
    validation(
      'run-insert',
      fc.record(
        {
          workflowId: fc.oneof(fc.constant(world.tenant.workflowId), uuid),
          input: hostileValue,
          idempotencyKey: fc.oneof(hostileString, fc.constantFrom('webhook:x', 'schedule:y', null)),
          priority: fc.oneof(fc.integer(), hostileString),
        },
        { requiredKeys: [] },
      ),
    ),
    validation('trigger-insert', fc.record({ type: mostly(['SCHEDULE', 'WEBHOOK', 'MANUAL'], hostileString), cron, timezone })),
    validation(
      'trigger-update',
      fc.record({
        _set: fc.record({ cron, timezone }, { requiredKeys: [] }),
        pk_columns: fc.record({ id: fc.oneof(fc.constant(world.triggerId), uuid) }),
      }),
    ),
    {
      name: 'event webhook',
      target: 'api',
      requests: jsonPost(
        fc.constant('/hooks/hasura/events'),
        fc
          .record({ id: runIdOf(world), tenantId: fc.oneof(fc.constant(world.tenant.tenantId), uuid) })
          .chain((row) => mutated(hasuraRunInsertedEvent(row))),
        hook,
      ),
    },
    webhookSurface('webhook trigger', { id: world.triggerId, secret: world.triggerSecret }),
  ];
}
