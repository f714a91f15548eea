import type { ActionRef } from '@conveyor/engine';
import type { z } from 'zod';

/**
 * Defines an action: a typed, validated unit of work a step executes. The action sees the outside
 * world only through its `ActionContext` (no `process.env`, no module state).
 */
export function defineAction<I>(action: Action<I>): Action<I> {
  return action;
}

/** The address of an action in the registry (`core@1/http.request`): the engine's, as steps name it. */
export type { ActionRef };

/** Writes execution log lines for the current step. Synchronous and cheap (the worker batches them). */
export interface StepLogger {
  debug(msg: string, context?: Record<string, unknown>): void;
  info(msg: string, context?: Record<string, unknown>): void;
  warn(msg: string, context?: Record<string, unknown>): void;
  error(msg: string, context?: Record<string, unknown>): void;
}

export interface ActionContext {
  /** Aborted on step timeout or run cancellation. */
  signal: AbortSignal;
  log: StepLogger;
  /** Stable across retries of one StepRun; `http.request` sends it as `Idempotency-Key` unless the input sets one. */
  idempotencyKey: string;
  /** 1-based attempt number. */
  attempt: number;
  /** The tenant's decrypted connection credentials, when the step names a connection. */
  connection?: Record<string, unknown>;
  /**
   * Marks a secret value the action sent (a token, an `Authorization` header it derived): redacted,
   * like every value of the connection, from the step's log lines and error, and also from its
   * output, where a server may echo it.
   */
  redact(value: string): void;
  /**
   * Set when the step is re-entered after a `wait` or `waitForEvent` result. `waitStartedAt` (optional)
   * is when the first execution returned `wait`; `delay` uses it to report how long it waited. After
   * `waitForEvent`: `event` is the event that came, else `expired` says whether the wait's time is up
   * (by the database's clock, the one events are matched by).
   */
  resume?: { waitedUntil: number; waitStartedAt?: number; event?: { payload: unknown }; expired?: boolean };
  /** Clock (epoch ms), injected. */
  now(): number;
  /**
   * CIDR allowlist for outbound requests (e.g. `["127.0.0.1/32"]`). Empty: only public unicast
   * addresses are reachable (private, loopback, link-local, unique-local, multicast, unspecified and
   * other special ranges are refused, IPv4 and IPv6, including IPv4-mapped IPv6).
   */
  http: { allowPrivateNetworks: readonly string[] };
}

/**
 * An action either finishes with an output or asks the worker to re-enter it later (delayed job): at a
 * time (`wait`), when an event of a name and correlation key comes (`waitForEvent`), or when the child
 * run it asks for ended (`runWorkflow`), in the last two cases at a time at the latest.
 */
export type ActionResult =
  | { kind: 'output'; output: unknown }
  | { kind: 'wait'; untilEpochMs: number }
  | { kind: 'waitForEvent'; event: string; key: string; untilEpochMs: number }
  /** Start a child run of a workflow of the tenant, and re-enter when it ended (or at a time at the latest). */
  | { kind: 'runWorkflow'; workflowId: string; version?: number | undefined; input: unknown; untilEpochMs: number };

export interface Action<I = unknown> {
  ref: ActionRef;
  name: string;
  description: string;
  /** Parses the step's resolved input; must be representable as JSON Schema (no transforms). */
  inputSchema: z.ZodType<I>;
  /**
   * Quick, without I/O, and never asks to wait: a worker may run the step right after the step
   * before it, in the same job, instead of queueing a job for it.
   */
  inline?: boolean;
  execute(input: I, ctx: ActionContext): Promise<ActionResult>;
}
