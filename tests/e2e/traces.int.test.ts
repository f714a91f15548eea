import { randomBytes } from 'node:crypto';
import { hasuraRunInsertedEvent, insertRun, seedWebhookTrigger, seedWorkflow, waitFor } from '@conveyor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, HOOK_SECRET, startCluster } from './cluster';
import { type ReceivedSpan, startOtlpReceiver } from './otlp-receiver';

// Traces end to end: an api and a worker exporting OTLP/JSON to a receiver of the test's own, so that
// the instrumentation runs as it does in production (the process's module hooks, BullMQ's telemetry).

let c: Cluster;
let otlp: Awaited<ReturnType<typeof startOtlpReceiver>>;
beforeAll(async () => {
  otlp = await startOtlpReceiver();
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '100' };
  c = await startCluster('traces', { workers: 1, env });
}, 120_000);
afterAll(async () => {
  await c?.close();
  await otlp?.close();
});

const action = (key: string) => ({ app: 'core', version: '1', key });
const twoSteps = () => ({
  steps: [
    { key: 'call', action: action('http.request'), input: { url: `${c.server.url}/echo?n=21` } },
    { key: 'double', action: action('transform'), input: { value: '{{ steps.call.output.body.n * 2 }}' }, dependsOn: ['call'] },
  ],
});
const attempts = (spans: ReceivedSpan[]) => spans.filter((span) => span.name === 'conveyor.step.attempt');
/** The trace's spans once both step attempts were exported, and what the batches still held (a short settle). */
const completeTrace = async (traceId: string) => {
  await waitFor(
    async () => otlp.inTrace(traceId),
    (spans) => attempts(spans).length === 2,
    15_000,
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  return otlp.inTrace(traceId);
};

/** Delivers the run's Hasura event, with `traceContext` as Hasura's `trace_context` (null: Hasura sent none). */
const deliver = async (run: { runId: string; tenantId: string }, traceContext: object | null) => {
  const body = hasuraRunInsertedEvent({ id: run.runId, tenantId: run.tenantId });
  const response = await fetch(`${c.apiUrl}/hooks/hasura/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-conveyor-hook-secret': HOOK_SECRET },
    body: JSON.stringify({ ...body, event: { ...body.event, trace_context: traceContext } }),
  });
  expect(response.status).toBe(200);
};
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('OpenTelemetry traces', () => {
  it('gives a run one connected trace: the Hasura event, the dispatch, the jobs, the attempts, HTTP, pg and Redis', async () => {
    const fixture = await seedWorkflow(c.db.prisma, twoSteps(), { allowPrivateNetworks: ['127.0.0.1/32'] });
    const runId = await insertRun(c.db.prisma, fixture);
    await deliver({ runId, tenantId: fixture.tenantId }, null);
    expect((await c.finished(runId)).status).toBe('SUCCEEDED');
    const dispatch = await waitFor(
      async () => otlp.spans.find((span) => span.name === 'conveyor.dispatch' && span.attributes['conveyor.run.id'] === runId),
      (span) => span !== undefined,
      10_000,
    );
    const spans = await completeTrace(dispatch?.traceId ?? '');
    // Connected: one root, the event request, and every other span's parent in the trace.
    const [root, ...others] = [...spans].sort(
      (a, b) => Number(a.parentSpanId !== undefined) - Number(b.parentSpanId !== undefined),
    );
    expect(root).toMatchObject({ service: 'conveyor-api', kind: 2, parentSpanId: undefined });
    expect(root).toMatchObject({ name: 'POST /hooks/hasura/events' });
    expect(root?.attributes['http.route']).toBe('/hooks/hasura/events');
    const ids = new Set(spans.map((span) => span.spanId));
    expect(others.filter((span) => !ids.has(span.parentSpanId ?? ''))).toEqual([]);
    expect(dispatch?.attributes).toMatchObject({ 'conveyor.tenant.id': fixture.tenantId, 'conveyor.run.id': runId });
    // BullMQ's telemetry: the run job added by the api, processed by the worker, which adds the step job.
    const named = (service: string, kind: number, name: string) =>
      spans.filter((span) => span.service === service && span.kind === kind && span.name.startsWith(name));
    expect(named('conveyor-api', 4, 'add runs')).toHaveLength(1);
    expect(named('conveyor-worker', 5, 'process runs')[0]?.attributes).toMatchObject({
      'conveyor.tenant.id': fixture.tenantId,
      'conveyor.workflow.id': fixture.workflowId,
      'conveyor.run.id': runId,
    });
    expect(named('conveyor-worker', 4, 'addBulk steps')).toHaveLength(1);
    expect(named('conveyor-worker', 5, 'process steps').length).toBeGreaterThanOrEqual(1);
    const stepAttempts = attempts(spans).map((span) => span.attributes);
    expect(stepAttempts.map((attributes) => attributes['conveyor.step.key']).sort()).toEqual(['call', 'double']);
    for (const attributes of stepAttempts) {
      expect(attributes).toMatchObject({
        'conveyor.tenant.id': fixture.tenantId,
        'conveyor.run.id': runId,
        'conveyor.attempt': 1,
      });
      expect(attributes['conveyor.step_run.id']).toEqual(expect.any(String));
    }
    // The http.request action's call, under its attempt; PostgreSQL and Redis from both processes.
    const call = attempts(spans).find((span) => span.attributes['conveyor.step.key'] === 'call');
    expect(spans.filter((span) => span.kind === 3 && span.parentSpanId === call?.spanId && span.name === 'GET')).toHaveLength(1);
    for (const service of ['conveyor-api', 'conveyor-worker']) {
      expect(spans.some((span) => span.service === service && span.name.startsWith('pg.query'))).toBe(true);
      expect(
        spans.some(
          (span) => span.service === service && (span.attributes['db.system'] ?? span.attributes['db.system.name']) === 'redis',
        ),
      ).toBe(true);
    }
  });

  it("continues Hasura's trace_context into the dispatch and the run", async () => {
    const fixture = await seedWorkflow(c.db.prisma, twoSteps(), { allowPrivateNetworks: ['127.0.0.1/32'] });
    const runId = await insertRun(c.db.prisma, fixture);
    const [traceId, spanId] = [hex(16), hex(8)];
    await deliver({ runId, tenantId: fixture.tenantId }, { trace_id: traceId, span_id: spanId });
    const spans = await completeTrace(traceId);
    expect(spans.find((span) => span.name === 'conveyor.dispatch')).toMatchObject({ parentSpanId: spanId });
    expect(attempts(spans).every((span) => span.attributes['conveyor.run.id'] === runId)).toBe(true);
  });

  it("joins a webhook trigger's run to the caller's trace (W3C traceparent)", async () => {
    const fixture = await seedWorkflow(c.db.prisma, twoSteps(), { allowPrivateNetworks: ['127.0.0.1/32'] });
    const trigger = await seedWebhookTrigger(c.db.prisma, fixture);
    const [traceId, spanId] = [hex(16), hex(8)];
    const response = await fetch(`${c.apiUrl}/hooks/triggers/${trigger.triggerId}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-conveyor-trigger-secret': trigger.secret,
        traceparent: `00-${traceId}-${spanId}-01`,
      },
      body: '{}',
    });
    expect(response.ok).toBe(true);
    const spans = await completeTrace(traceId);
    const request = spans.find((span) => span.parentSpanId === spanId);
    expect(request).toMatchObject({ service: 'conveyor-api', kind: 2, name: 'POST /hooks/triggers/:triggerId' });
    // The run created by the request: its run job, added under it, and both step attempts (completeTrace) in the trace.
    expect(spans.filter((span) => span.name.startsWith('add runs'))).toHaveLength(1);
  });
});
