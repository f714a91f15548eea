import { type ActionContext, type ActionResult, runAction, type StepLogger } from '@conveyor/actions';
import { getSealedConnection, openStoredCredentials } from '@conveyor/db';
import type { TemplateContext } from '@conveyor/engine';
import { ConveyorError } from '@conveyor/errors';
import { type BatchingWriter, type LogLevel, redactSecretValues } from '@conveyor/logs';
import { RunCancelledReason } from '../deps/abort-registry';
import type { WorkerDeps } from '../deps/worker-deps';
import { tenantNetworks } from './network-allowlist';
import { templateContextOf } from './prepared-step';
import { logIds, type StepInFlight } from './step-in-flight';

/**
 * What one attempt of a step holds while it runs: the run's cancellation, its execution log, the
 * values that must never leave it (the connection's, and what the action marked with ctx.redact), and
 * what its templates read. A forEach step's items share it.
 */
export interface StepCall {
  started: number;
  cancel: AbortController;
  log: StepLogger;
  /** Redacted from every log line and error: the connection's values and the marked ones. */
  secretValues: string[];
  /** What the action marked secret: also redacted from outputs, where a connection's other values may be data. */
  marked: string[];
  context: TemplateContext;
  connection?: Record<string, unknown> | undefined;
  /** Whether the run was cancelled (its steps abort). */
  cancelled(): boolean;
  close(): void;
}

export function openStepCall(deps: WorkerDeps, step: StepInFlight): StepCall {
  const cancel = new AbortController();
  const unregister = deps.aborts.register(step.ref.runId, cancel);
  const secretValues: string[] = [];
  return {
    started: deps.now(),
    cancel,
    log: createStepLogger({ writer: deps.logWriter, ids: logIds(step.ref), secretValues, now: deps.now }),
    secretValues,
    marked: [],
    context: templateContextOf(step.prepared, step.runInput, step.outputs),
    cancelled: () => cancel.signal.reason instanceof RunCancelledReason,
    close: unregister,
  };
}

/** Opens the step's connection, if it names one, and adds its values to what is redacted. */
export async function openStepConnection(deps: WorkerDeps, step: StepInFlight, call: StepCall): Promise<void> {
  const connectionId = step.prepared.step.connectionId;
  if (!connectionId) return;
  const sealed = await getSealedConnection(deps.pool, { tenantId: step.ref.tenantId, connectionId });
  if (!sealed) {
    throw new ConveyorError({ code: 'NOT_FOUND', message: `connection ${connectionId} not found`, details: { connectionId } });
  }
  call.connection = openStoredCredentials(deps.keyring, step.ref.tenantId, sealed) as Record<string, unknown>;
  call.secretValues.push(...secretStrings(call.connection));
}

/** Runs the step's action once on `input`, within `timeoutMs`; a success's output has the marked values redacted. */
export async function callAction(
  deps: WorkerDeps,
  step: StepInFlight,
  call: StepCall,
  input: unknown,
  {
    idempotencyKey,
    timeoutMs,
    waited = null,
  }: { idempotencyKey: string; timeoutMs: number; waited?: { event?: { payload: unknown }; expired: boolean } | null },
): Promise<ActionResult> {
  const ctx: ActionContext = {
    signal: call.cancel.signal,
    log: call.log,
    idempotencyKey,
    attempt: step.ref.attempt,
    now: deps.now,
    http: { allowPrivateNetworks: tenantNetworks(deps.settings, step.tenantNetworks) },
    redact: (value) => {
      call.marked.push(value);
      call.secretValues.push(value);
    },
    ...(step.resumeAt ? { resume: { waitedUntil: step.resumeAt, ...waited } } : {}),
    ...(call.connection ? { connection: call.connection } : {}),
  };
  const result = await runAction(deps.actions.getOrThrow(step.prepared.step.action), input, ctx, {
    timeoutMs: Math.max(1, timeoutMs),
    maxOutputBytes: deps.settings.stepOutputMaxBytes,
  });
  // A response may echo what the connection sent: the values the action marked are not kept in the output.
  if (result.kind !== 'output' || call.marked.length === 0) return result;
  return { kind: 'output', output: redactSecretValues(result.output, call.marked) };
}

interface StepLogTarget {
  writer: BatchingWriter;
  ids: { tenantId: string; workflowRunId: string; stepRunId: string };
  /** Values that must never reach a log line: the step's connection credentials. */
  secretValues: string[];
  now: () => number;
}

/** Execution log lines of one step, batched into the log store; the writer redacts and bounds each line. */
function createStepLogger({ writer, ids, secretValues, now }: StepLogTarget): StepLogger {
  const write = (level: LogLevel) => (message: string, context?: Record<string, unknown>) => {
    writer.write({ ...ids, level, message, ...(context ? { context } : {}), timestamp: new Date(now()) }, { secretValues });
  };
  return { debug: write('DEBUG'), info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}

/** Every string inside a connection's credentials, for redaction. */
export function secretStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(secretStrings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(secretStrings);
  return [];
}
