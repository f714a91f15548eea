import type { Runs } from '@conveyor/runs';
import type { ConveyorApp } from '../../types';
import { type AuthDeps, authenticate, callerOf } from '../auth/authenticate';
import { type SendEventInput, sendEventInputSchema, sentEventSchema } from './events.schemas';

/** Sends an event to the tenant's steps waiting for it (or keeps it for the next): the REST route and the action share it. */
export async function sendTenantEvent(runs: Runs, tenantId: string, input: SendEventInput) {
  const sent = await runs.sendEvent(
    { tenantId, event: input.event, key: input.key },
    { payload: input.payload ?? null, ttlMs: input.ttlMs ?? undefined },
  );
  return { ok: true, ...sent };
}

/**
 * `POST /v1/events`: an event for the caller's tenant, from a member (JWT) or a machine client (an API
 * key with `events:send`). 200 with `delivered: true` when a waiting step took it, else
 * `delivered: false` and when it expires (kept for the next step that waits for it).
 */
export async function eventsModule(app: ConveyorApp, opts: { runs: Runs; auth: AuthDeps }) {
  app.addHook('preHandler', authenticate(opts.auth, { scope: 'events:send' }));
  app.post('/v1/events', { schema: { body: sendEventInputSchema, response: { 200: sentEventSchema } } }, async (request) =>
    sendTenantEvent(opts.runs, callerOf(request).tenantId, request.body),
  );
}
