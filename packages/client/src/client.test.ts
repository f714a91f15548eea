/**
 * The client's Hasura calls against answers shaped exactly as hasura-contract §2.3 and §7 record
 * them (no engine runs here). The log calls run against the real api in client.int.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { CANCEL_WORKFLOW_RUN, START_WORKFLOW_RUN, WORKFLOW_RUN_BY_IDEMPOTENCY_KEY } from './documents';
import { ConveyorClientError, createConveyorClient, isConveyorClientError } from './index';

const HASURA = 'http://hasura.test/v1/graphql';
const run = {
  id: '0b8c2f9e-6a57-4c1e-9f53-2a7f3d1c8e44',
  tenantId: '3f1d2c4b-0000-4000-8000-00000000a001',
  workflowId: '9a1e7c22-1111-4000-8000-00000000b002',
  workflowVersionId: null,
  triggerId: null,
  status: 'PENDING',
  input: { orderId: 42 },
  output: null,
  error: null,
  idempotencyKey: 'order-42',
  priority: 0,
  createdById: 'c0ffee00-2222-4000-8000-00000000c003',
  startedAt: null,
  finishedAt: null,
  createdAt: '2025-03-04T10:15:30.12+00:00',
  updatedAt: '2025-03-04T10:15:30.12+00:00',
};

interface Sent {
  headers: Headers;
  body: { query: string; variables: Record<string, unknown>; operationName?: string };
}

/** A fake Hasura endpoint: records each request and answers the next scripted body (HTTP 200, as Hasura does). */
function fakeHasura(answers: unknown[]) {
  const sent: Sent[] = [];
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    sent.push({ headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) });
    const answer = answers.shift();
    return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return { sent, fetch };
}

describe('createConveyorClient against Hasura', () => {
  it('starts a run with insert_WorkflowRun_one, sending only the columns user may insert, with the bearer token', async () => {
    const hasura = fakeHasura([{ data: { insert_WorkflowRun_one: run } }]);
    const client = createConveyorClient({ hasuraUrl: HASURA, token: 'jwt-1', fetch: hasura.fetch });

    const result = await client.startRun(run.workflowId, { orderId: 42 }, { idempotencyKey: 'order-42', priority: 5 });

    expect(result).toEqual({ run, created: true });
    const [request] = hasura.sent;
    expect(request?.headers.get('authorization')).toBe('Bearer jwt-1');
    expect(request?.headers.get('x-hasura-role')).toBeNull();
    expect(request?.body.query).toBe(START_WORKFLOW_RUN);
    expect(request?.body.operationName).toBe('StartWorkflowRun');
    expect(request?.body.variables).toEqual({
      object: { workflowId: run.workflowId, input: { orderId: 42 }, idempotencyKey: 'order-42', priority: 5 },
    });
  });

  it('answers the run an idempotency key already started when the insert hits the unique constraint', async () => {
    const hasura = fakeHasura([
      {
        errors: [
          {
            message:
              'Uniqueness violation. duplicate key value violates unique constraint "WorkflowRun_tenantId_idempotencyKey_key"',
            extensions: { path: '$.selectionSet.insert_WorkflowRun_one.args.object', code: 'constraint-violation' },
          },
        ],
      },
      { data: { WorkflowRun: [run] } },
    ]);
    const client = createConveyorClient({ hasuraUrl: HASURA, token: async () => 'jwt-2', role: 'user', fetch: hasura.fetch });

    expect(await client.startRun(run.workflowId, {}, { idempotencyKey: 'order-42' })).toEqual({ run, created: false });
    expect(hasura.sent[1]?.body.query).toBe(WORKFLOW_RUN_BY_IDEMPOTENCY_KEY);
    expect(hasura.sent[1]?.body.variables).toEqual({ idempotencyKey: 'order-42' });
    expect(hasura.sent.every((request) => request.headers.get('x-hasura-role') === 'user')).toBe(true);
  });

  it('throws a ConveyorClientError carrying Hasura’s code and path', async () => {
    const hasura = fakeHasura([
      {
        errors: [
          {
            message: 'check constraint of an insert permission has failed',
            extensions: { path: '$.selectionSet.insert_WorkflowRun_one.args.object', code: 'permission-error' },
          },
        ],
      },
    ]);
    const client = createConveyorClient({ hasuraUrl: HASURA, token: 'jwt', fetch: hasura.fetch });

    const error = await client.startRun(run.workflowId, {}).catch((caught: unknown) => caught);

    expect(isConveyorClientError(error, 'permission-error')).toBe(true);
    expect(error).toMatchObject({ status: 200, path: '$.selectionSet.insert_WorkflowRun_one.args.object', details: {} });
  });

  it('passes an action handler’s error extensions through (code and data)', async () => {
    const hasura = fakeHasura([
      { errors: [{ message: `run ${run.id} not found`, extensions: { code: 'NOT_FOUND', runId: run.id } }] },
      { data: { cancelWorkflowRun: { ok: true, status: 'CANCELLED' } } },
    ]);
    const client = createConveyorClient({ hasuraUrl: HASURA, token: 'jwt', fetch: hasura.fetch });

    await expect(client.cancelRun(run.id, 'stop')).rejects.toMatchObject({ code: 'NOT_FOUND', details: { runId: run.id } });
    expect(await client.cancelRun(run.id)).toEqual({ ok: true, status: 'CANCELLED' });
    expect(hasura.sent[0]?.body.query).toBe(CANCEL_WORKFLOW_RUN);
    expect(hasura.sent.map((request) => request.body.variables)).toEqual([
      { runId: run.id, reason: 'stop' },
      { runId: run.id, reason: null },
    ]);
  });

  it('reads a run (null when not visible) and its steps, and rejects an answer of the wrong shape', async () => {
    const step = {
      id: 'a0000000-0000-4000-8000-000000000001',
      tenantId: run.tenantId,
      workflowRunId: run.id,
      stepKey: 'fetch',
      status: 'SUCCEEDED',
      attempt: 1,
      attemptErrors: [],
      input: {},
      output: { ok: true },
      error: null,
      startedAt: run.createdAt,
      finishedAt: run.createdAt,
      createdAt: run.createdAt,
      updatedAt: run.createdAt,
    };
    const hasura = fakeHasura([
      { data: { WorkflowRun_by_pk: null } },
      { data: { StepRun: [step] } },
      { data: { WorkflowRun_by_pk: { ...run, status: 'EXPLODED' } } },
    ]);
    const client = createConveyorClient({ hasuraUrl: HASURA, token: 'jwt', fetch: hasura.fetch });

    expect(await client.getRun(run.id)).toBeNull();
    expect(await client.listStepRuns(run.id)).toEqual([step]);
    await expect(client.getRun(run.id)).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });

  it('reports an unreachable Hasura as NETWORK_ERROR', async () => {
    const client = createConveyorClient({
      hasuraUrl: HASURA,
      token: 'jwt',
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    const error = await client.getRun(run.id).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConveyorClientError);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR' });
  });
});
