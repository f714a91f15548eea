import {
  assertWithinSize,
  type CompiledExpression,
  compileExpression,
  type ExpressionLocation,
  expressionError,
} from './expression';
import { joinPath } from './field-path';
import { isPlainExpression } from './jsonata-ast';
import { type TemplateLimits, withDefaultLimits } from './template-limits';
import { referencesOf, type TemplateReferences } from './template-references';
import { soleExpression, splitTemplate } from './template-syntax';

/**
 * Resolves a step's input: every string inside it (objects and arrays are walked) is a template.
 * A string that is exactly one `{{ expr }}` becomes the expression's raw JSON value; a string
 * mixing text and expressions becomes a string. Errors are VALIDATION_FAILED naming the field,
 * e.g. `input.body.total: expression timed out after 250 ms`.
 */
export async function resolveInput(
  template: unknown,
  context: TemplateContext,
  limits?: Partial<TemplateLimits>,
  location: Partial<ExpressionLocation> = {},
): Promise<unknown> {
  return compileInput(template, limits, location).evaluate(context);
}

/**
 * A step's input template, walked once; evaluate it for every attempt. Each string compiles on
 * its first evaluation and is kept, so problems surface in document order, as with resolveInput.
 */
export function compileInput(
  template: unknown,
  limits?: Partial<TemplateLimits>,
  location: Partial<ExpressionLocation> = {},
): CompiledInput {
  const evaluate = compileNode(template, withDefaultLimits(limits), {
    stepKey: location.stepKey,
    path: location.path ?? 'input',
  });
  return { evaluate };
}

/**
 * Evaluates a step's `if`. It is either one `{{ expr }}` or a bare JSONata expression; a string
 * mixing text with expressions is refused, since it would always be a non-empty, truthy string.
 * The result is coerced with Boolean(), so a missing value is false (and, unlike JSONata's
 * `$boolean`, an empty object is true).
 */
export async function evaluateCondition(
  expr: string,
  context: TemplateContext,
  limits?: Partial<TemplateLimits>,
  location: Partial<ExpressionLocation> = {},
): Promise<boolean> {
  const compiled = compileCondition(expr, { limits, stepKey: location.stepKey, path: location.path });
  return Boolean(await compiled.evaluate(context));
}

/** Parses a template string once; evaluate it as often as needed. Throws on any static problem. */
export function compileTemplate(source: string, options: CompileOptions = {}): CompiledTemplate {
  const limits = withDefaultLimits(options.limits);
  const location = { stepKey: options.stepKey, path: options.path ?? 'input' };
  const split = splitTemplate(source);
  if (!split.ok) throw expressionError(location, split.reason);
  const sole = soleExpression(split.segments);
  if (sole !== null) return rawTemplate(source, compileExpression(sole, limits, location));
  const parts = split.segments.map((segment) =>
    segment.type === 'text' ? segment.text : compileExpression(segment.source, limits, location),
  );
  return parts.every((part) => typeof part === 'string')
    ? { source, kind: 'literal', plain: true, references: referencesOf([]), evaluate: async () => source }
    : interpolatedTemplate(source, parts, limits, location);
}

/** Like compileTemplate, with the `if` rules of evaluateCondition: bare expressions allowed, mixed text not. */
export function compileCondition(source: string, options: CompileOptions = {}): CompiledTemplate {
  const limits = withDefaultLimits(options.limits);
  const location = { stepKey: options.stepKey, path: options.path ?? 'if' };
  if (source.trim() === '') throw expressionError(location, 'condition is empty');
  const split = splitTemplate(source);
  if (!split.ok) throw expressionError(location, split.reason);
  const hasExpression = split.segments.some((segment) => segment.type === 'expression');
  const sole = hasExpression ? soleExpression(split.segments) : source.trim();
  if (sole === null)
    throw expressionError(location, 'a condition must be a single {{ expression }}, not text mixed with expressions');
  return rawTemplate(source, compileExpression(sole, limits, location));
}

/**
 * Whether every string inside `template` is plain: literal text, or expressions that only read
 * fields and combine them with operators (see isPlainExpression). A plain input cannot run away,
 * so the worker evaluates it in process; anything else, a template that does not compile
 * included, is evaluated in isolation, where its problem is reported.
 */
export function isPlainTemplate(template: unknown, options: CompileOptions = {}): boolean {
  let plain = true;
  forEachTemplateString(template, options.path ?? 'input', (source, path) => {
    if (!plain) return;
    try {
      plain = compileTemplate(source, { ...options, path }).plain;
    } catch {
      plain = false;
    }
  });
  return plain;
}

/**
 * The step keys a template reads as `steps.<key>` and whether it reads the run input; strings
 * anywhere inside objects and arrays are included. Used at publish time to check that a step only
 * reads outputs of its (transitive) dependencies. Throws like compileTemplate on a bad template.
 */
export function templateReferences(template: unknown, options: CompileOptions = {}): TemplateReferences {
  const references: TemplateReferences = { stepKeys: new Set(), usesInput: false };
  forEachTemplateString(template, options.path ?? 'input', (source, path) => {
    const found = compileTemplate(source, { ...options, path }).references;
    for (const key of found.stepKeys) references.stepKeys.add(key);
    references.usesInput ||= found.usesInput;
  });
  return references;
}

/** Calls `visit` with every string inside `value` and its path, e.g. `input.items[0].name`. */
export function forEachTemplateString(value: unknown, path: string, visit: (source: string, path: string) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) forEachTemplateString(item, joinPath(path, index), visit);
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) forEachTemplateString(item, joinPath(path, key), visit);
  }
}

function rawTemplate(source: string, expression: CompiledExpression): CompiledTemplate {
  return {
    source,
    kind: 'raw',
    plain: isPlainExpression(expression.ast),
    references: referencesOf([expression.ast]),
    evaluate: (context) => expression.evaluate(context),
  };
}

function interpolatedTemplate(
  source: string,
  parts: readonly (string | CompiledExpression)[],
  limits: TemplateLimits,
  location: ExpressionLocation,
): CompiledTemplate {
  const expressions = parts.filter((part) => typeof part !== 'string');
  return {
    source,
    kind: 'interpolated',
    plain: expressions.every((expression) => isPlainExpression(expression.ast)),
    references: referencesOf(expressions.map((expression) => expression.ast)),
    evaluate: async (context) => {
      let text = '';
      for (const part of parts) text += typeof part === 'string' ? part : stringify(await part.evaluate(context));
      assertWithinSize(text, limits, location);
      return text;
    },
  };
}

/** How a value reads inside a string: strings as they are, nothing as '', the rest as JSON. */
function stringify(value: unknown): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

type EvaluateNode = (context: TemplateContext, onField?: FieldObserver) => Promise<unknown>;

// Sequential on purpose: evaluation is CPU-bound, and the first failing field in document order
// is the one reported.
function compileNode(value: unknown, limits: TemplateLimits, location: ExpressionLocation): EvaluateNode {
  if (typeof value === 'string') {
    let compiled: CompiledTemplate | undefined;
    return (context, onField) => {
      onField?.(location.path);
      compiled ??= compileTemplate(value, { ...location, limits });
      return compiled.evaluate(context);
    };
  }
  if (Array.isArray(value)) {
    const items = value.map((item, index) => compileNode(item, limits, { ...location, path: joinPath(location.path, index) }));
    return async (context, onField) => {
      const resolved: unknown[] = [];
      for (const item of items) resolved.push(await item(context, onField));
      return resolved;
    };
  }
  if (!isPlainObject(value)) return async () => value;
  const fields = Object.entries(value).map(
    ([key, item]) => [key, compileNode(item, limits, { ...location, path: joinPath(location.path, key) })] as const,
  );
  return async (context, onField) => {
    const entries: [string, unknown][] = [];
    for (const [key, field] of fields) entries.push([key, await field(context, onField)]);
    // fromEntries defines own properties, so a key named "__proto__" stays data, not a prototype.
    return Object.fromEntries(entries);
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The JSONata input of every expression. */
export interface TemplateContext {
  /** The run input. */
  input: unknown;
  /** Outputs of the steps that have finished, by step key. */
  steps: Record<string, { output: unknown }>;
  /** In a forEach step's input: the item, and its position in the items. */
  item?: unknown;
  index?: number;
}

export interface CompileOptions {
  limits?: Partial<TemplateLimits> | undefined;
  stepKey?: string | undefined;
  /** Field path used in error messages; defaults to `input` (templates) or `if` (conditions). */
  path?: string | undefined;
}

/** Told the path of each string field just before it is evaluated, e.g. `input.body.total`. */
export type FieldObserver = (path: string) => void;

export interface CompiledInput {
  evaluate(context: TemplateContext, onField?: FieldObserver): Promise<unknown>;
}

export interface CompiledTemplate {
  readonly source: string;
  /** `literal`: no expression; `raw`: one expression, its value as is; `interpolated`: a string. */
  readonly kind: 'literal' | 'raw' | 'interpolated';
  /** Only literal text and plain expressions (see isPlainTemplate). */
  readonly plain: boolean;
  readonly references: TemplateReferences;
  evaluate(context: TemplateContext): Promise<unknown>;
}
