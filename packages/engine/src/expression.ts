import { ConveyorError } from '@conveyor/errors';
import jsonata from 'jsonata';
import { describeLocation } from './field-path';
import { utf8Bytes } from './json-size';
import { walkAst } from './jsonata-ast';
import { unsafeRegexReason } from './regex-safety';
import type { TemplateLimits } from './template-limits';

/**
 * Parses one JSONata expression under `limits`. JSONata 2.2's own guardrails (the `timeout`,
 * `stack` and `sequence` options, checked on entry to every evaluation step, where the test
 * suite's `timeboxExpression` hooks in) bound each evaluation, so a runaway expression throws
 * instead of hanging. Throws VALIDATION_FAILED naming `location` for an over-long source, a syntax error or
 * an unsafe regex literal.
 */
export function compileExpression(source: string, limits: TemplateLimits, location: ExpressionLocation): CompiledExpression {
  if (source.length > limits.maxExpressionLength) {
    throw expressionError(location, `expression is ${source.length} characters long; the limit is ${limits.maxExpressionLength}`);
  }
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source, {
      timeout: limits.timeoutMs,
      stack: limits.maxDepth,
      sequence: limits.maxSequenceLength,
      // Regexes can also be built at run time through $eval, so the literal check below is not enough.
      RegexEngine: SafeRegExp as unknown as RegExpConstructor,
    });
  } catch (error) {
    throw expressionError(location, `syntax error: ${jsonataMessage(error)}`, error);
  }
  const ast = expression.ast();
  const regexProblem = findUnsafeRegex(ast);
  if (regexProblem !== null) throw expressionError(location, regexProblem);
  return {
    source,
    ast,
    evaluate: (input) => evaluateExpression(expression, input, limits, location),
  };
}

/**
 * The VALIDATION_FAILED error every template problem becomes; `details.reason` is the bare cause.
 * `flags` mark what a step records as EXPRESSION_TIMEOUT (`timedOut`) or EXPRESSION_LIMIT (`outOfMemory`).
 */
export function expressionError(
  location: ExpressionLocation,
  reason: string,
  cause?: unknown,
  flags: ExpressionErrorFlags = {},
): ConveyorError {
  return new ConveyorError({
    code: 'VALIDATION_FAILED',
    message: `${describeLocation(location)}: ${reason}`,
    cause,
    details: {
      ...(location.stepKey === undefined ? {} : { stepKey: location.stepKey }),
      path: location.path,
      reason,
      // Out of time is no fault of the expression's alone: a busy machine gets there too.
      ...(flags.timedOut ? { timedOut: true } : {}),
      ...(flags.outOfMemory ? { outOfMemory: true } : {}),
    },
  });
}

export function assertWithinSize(json: string, limits: TemplateLimits, location: ExpressionLocation): void {
  if (utf8Bytes(json, limits.maxResultBytes) > limits.maxResultBytes) {
    throw expressionError(location, `result is larger than ${limits.maxResultBytes} bytes of JSON`);
  }
}

async function evaluateExpression(
  expression: jsonata.Expression,
  input: unknown,
  limits: TemplateLimits,
  location: ExpressionLocation,
): Promise<unknown> {
  let value: unknown;
  try {
    value = await expression.evaluate(input);
  } catch (error) {
    throw expressionError(location, evaluationReason(error, limits), error, { timedOut: isTimeout(error) });
  }
  return toJsonValue(value, limits, location);
}

/** Measures and normalizes a value to plain JSON (JSONata sequences carry extra flags). */
function toJsonValue(value: unknown, limits: TemplateLimits, location: ExpressionLocation): unknown {
  if (value === undefined) return undefined;
  let json: string | undefined;
  try {
    json = JSON.stringify(value, rejectFunctions);
  } catch (error) {
    throw expressionError(location, error instanceof FunctionInResult ? error.message : 'result is not JSON-serializable', error);
  }
  if (json === undefined) return undefined;
  assertWithinSize(json, limits, location);
  return JSON.parse(json);
}

function isTimeout(error: unknown): boolean {
  return (innermost(error) as { code?: unknown } | null)?.code === 'D1012';
}

function evaluationReason(error: unknown, limits: TemplateLimits): string {
  const inner = innermost(error);
  const code = (inner as { code?: unknown } | null)?.code;
  if (code === 'D1012') return `expression timed out after ${limits.timeoutMs} ms`;
  if (code === 'D1011') return `expression exceeded the maximum evaluation depth of ${limits.maxDepth} (runaway recursion?)`;
  if (code === 'D2015') return `expression built a sequence longer than ${limits.maxSequenceLength} items`;
  if (inner instanceof UnsafeRegex) return inner.message;
  if (inner instanceof RangeError) return `expression exhausted the call stack: ${inner.message}`;
  return `evaluation failed: ${jsonataMessage(inner)}`;
}

/** `$eval` wraps the error of the expression it ran (D3121 → .error); the limit that fired is inside. */
function innermost(error: unknown): unknown {
  let current = error;
  for (let hops = 0; hops < 10; hops++) {
    const next = (current as { error?: unknown } | null)?.error;
    if (next === undefined || next === null) return current;
    current = next;
  }
  return current;
}

/** JSONata throws plain objects `{ code, position, message }`, not Errors. */
function jsonataMessage(error: unknown): string {
  if (error === null || typeof error !== 'object') return String(error);
  const { message, position, code } = error as { message?: unknown; position?: unknown; code?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  const where = typeof position === 'number' ? ` at position ${position}` : '';
  return typeof code === 'string' ? `${text} (${code}${where})` : text;
}

function findUnsafeRegex(ast: jsonata.ExprNode): string | null {
  let problem: string | null = null;
  walkAst(ast, (node) => {
    if (problem === null && node.type === 'regex' && node.value instanceof RegExp) problem = unsafeRegexReason(node.value.source);
  });
  return problem;
}

function rejectFunctions(_key: string, value: unknown): unknown {
  const isJsonataFunction =
    value !== null &&
    typeof value === 'object' &&
    ((value as Record<string, unknown>)._jsonata_lambda === true ||
      (value as Record<string, unknown>)._jsonata_function === true);
  if (typeof value === 'function' || isJsonataFunction) throw new FunctionInResult();
  return value;
}

class FunctionInResult extends Error {
  constructor() {
    super('result contains a function, which is not a JSON value');
  }
}

class UnsafeRegex extends Error {}

/** The regex engine JSONata uses for every match: refuses patterns that can backtrack catastrophically. */
class SafeRegExp extends RegExp {
  constructor(pattern: string | RegExp, flags?: string) {
    const reason = unsafeRegexReason(typeof pattern === 'string' ? pattern : pattern.source);
    if (reason !== null) throw new UnsafeRegex(reason);
    super(pattern, flags);
  }
}

export interface ExpressionErrorFlags {
  timedOut?: boolean;
  outOfMemory?: boolean;
}

export interface ExpressionLocation {
  stepKey?: string | undefined;
  /** Field path within the step, e.g. `input.body.total` or `if`. */
  path: string;
}

export interface CompiledExpression {
  readonly source: string;
  readonly ast: jsonata.ExprNode;
  /** Resolves to the expression's value as plain JSON (undefined when nothing matched). */
  evaluate(input: unknown): Promise<unknown>;
}
