import { type Attributes, type Context, context, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';

/** The attributes Conveyor's own spans carry, by what they name. */
export const spanAttributes = {
  tenantId: 'conveyor.tenant.id',
  workflowId: 'conveyor.workflow.id',
  workflowName: 'conveyor.workflow.name',
  runId: 'conveyor.run.id',
  stepKey: 'conveyor.step.key',
  stepRunId: 'conveyor.step_run.id',
  attempt: 'conveyor.attempt',
} as const;

const tracer = trace.getTracer('conveyor');

/**
 * Runs `fn` in a span of its own, child of the active one: ended when `fn` settles, an error recorded
 * on it. With no tracing started the span is a no-op and this is a plain call.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Adds attributes to the active span (a BullMQ job's, a request's), if there is one. */
export function annotateActiveSpan(attributes: Attributes): void {
  trace.getActiveSpan()?.setAttributes(attributes);
}

/**
 * Names the active span (the http instrumentation's span of an incoming request) after the route that
 * matched — `POST /hooks/triggers/:triggerId`, not one name per id — and records it as `http.route`.
 */
export function nameRequestSpan(method: string, route: string | undefined): void {
  const span = trace.getActiveSpan();
  if (!span || !route) return;
  span.setAttribute('http.route', route);
  span.updateName(`${method} ${route}`);
}

/**
 * The active context continued from a caller's trace given as ids (Hasura's `trace_context`): hex
 * ids, a 64-bit trace id widened to 128 bits as W3C and B3 do. Ids that are not such hex give `undefined`.
 */
export function remoteTraceContext(ids: { traceId: string; spanId: string }): Context | undefined {
  const traceId = ids.traceId.toLowerCase().padStart(32, '0');
  const spanId = ids.spanId.toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(traceId) || !/^[0-9a-f]{16}$/.test(spanId) || /^0+$/.test(traceId) || /^0+$/.test(spanId)) {
    return undefined;
  }
  return trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
}

/** Runs `fn` with `parent` as the active context (no parent: as it is). */
export function withContext<T>(parent: Context | undefined, fn: () => T): T {
  return parent ? context.with(parent, fn) : fn();
}
