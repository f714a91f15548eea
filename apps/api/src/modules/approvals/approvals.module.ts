import { describeApproval, findPendingApproval, type SqlPool } from '@conveyor/db';
import { platformEvents } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import type { Runs } from '@conveyor/runs';
import type { FastifyRequest } from 'fastify';
import type { ConveyorApp } from '../../types';
import { type AuthDeps, authenticate, callerOf } from '../auth/authenticate';
import type { ApprovalClaim, ApprovalLinks } from './approval-links';
import {
  approvalViewSchema,
  decideBodySchema,
  decidedSchema,
  linksBodySchema,
  linksSchema,
  runParamsSchema,
  tokenParamsSchema,
} from './approvals.schemas';

interface ApprovalsOptions {
  pool: SqlPool;
  runs: Runs;
  auth: AuthDeps;
  links: ApprovalLinks;
}

/**
 * Approvals (`core@1/approval` steps):
 * - `POST /v1/runs/:runId/approvals` `{ stepKey }`: a member (or an API key with `events:send`) gets the
 *   approve and reject links of a step that waits for a decision, each a signed token valid until the wait ends;
 * - `GET /v1/approvals/:token`: what the link decides, and whether the step still waits (nothing changes);
 * - `POST /v1/approvals/:token` `{ comment? }`: the decision, for whoever holds the link. Single-use: the
 *   first decision reaches the waiting step, any later use of either link answers 409.
 */
export async function approvalsModule(app: ConveyorApp, opts: ApprovalsOptions) {
  const { pool, runs, links } = opts;
  const claimOf = (request: FastifyRequest, token: string): ApprovalClaim => {
    request.server.authFailures.assertAllowed(request.ip);
    const claim = links.read(token);
    if (claim) return claim;
    request.server.authFailures.recordFailure(request.ip);
    throw new ConveyorError({ code: 'UNAUTHORIZED', message: 'the approval link is not valid (forged, altered or expired)' });
  };

  app.post(
    '/v1/runs/:runId/approvals',
    {
      preHandler: authenticate(opts.auth, { scope: 'events:send' }),
      schema: { params: runParamsSchema, body: linksBodySchema, response: { 200: linksSchema } },
    },
    async (request) => {
      const { tenantId } = callerOf(request);
      const { runId } = request.params;
      const pending = await findPendingApproval(pool, {
        tenantId,
        runId,
        stepKey: request.body.stepKey,
        event: platformEvents.approval,
      });
      if (!pending) {
        throw new ConveyorError({
          code: 'NOT_FOUND',
          message: `run ${runId} has no step "${request.body.stepKey}" waiting for an approval`,
          details: { runId, stepKey: request.body.stepKey },
        });
      }
      const link = (approved: boolean) => {
        const token = links.issue({ tenantId, stepRunId: pending.stepRunId, approved, expiresAt: pending.expiresAt.getTime() });
        return { token, path: `/v1/approvals/${token}` };
      };
      return {
        stepRunId: pending.stepRunId,
        expiresAt: pending.expiresAt.toISOString(),
        approve: link(true),
        reject: link(false),
      };
    },
  );

  app.get(
    '/v1/approvals/:token',
    { schema: { params: tokenParamsSchema, response: { 200: approvalViewSchema } } },
    async (request) => {
      const claim = claimOf(request, request.params.token);
      const step = await describeApproval(pool, claim);
      if (!step) throw new ConveyorError({ code: 'NOT_FOUND', message: 'the approval’s step no longer exists' });
      return { ...step, approved: claim.approved, expiresAt: new Date(claim.expiresAt).toISOString() };
    },
  );

  app.post(
    '/v1/approvals/:token',
    { schema: { params: tokenParamsSchema, body: decideBodySchema, response: { 200: decidedSchema } } },
    async (request) => {
      const claim = claimOf(request, request.params.token);
      const payload = { approved: claim.approved, comment: request.body?.comment ?? null, decidedAt: new Date().toISOString() };
      const address = { tenantId: claim.tenantId, event: platformEvents.approval, key: claim.stepRunId };
      const sent = await runs.sendEvent(address, { payload, keep: false });
      if (!sent.delivered) {
        throw new ConveyorError({ code: 'CONFLICT', message: 'the approval was decided already, or its step no longer waits' });
      }
      return { ok: true, approved: claim.approved };
    },
  );
}
