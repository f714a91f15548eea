import { formatPath } from './field-path';

/**
 * What every edge that accepts a caller's JSON (a run input, a step input, connection credentials,
 * an action's arguments) demands before it stores or walks it:
 * - nesting at most `maxDepth` levels, so no recursive walk (JSON.stringify, zod, a template
 *   resolver) can overflow the stack;
 * - at most `maxNodes` values in all, so one body cannot make a walk arbitrarily long;
 * - strings and keys PostgreSQL can store: no U+0000 and no lone UTF-16 surrogate (jsonb and
 *   text refuse both, with 22P05 / 22P02, after half of a request may have been written);
 * - no key `toString` or `valueOf`: such an object shadows the methods JavaScript calls to turn a
 *   value into text or a number, so `${value}`, a comparison or a length check throws on it.
 */
export interface JsonLimits {
  maxDepth: number;
  maxNodes: number;
}

/** The limits the edges use; 64 levels is far beyond any real payload and far below the stack. */
export const defaultJsonLimits: JsonLimits = { maxDepth: 64, maxNodes: 100_000 };

export interface JsonProblem {
  /** Where, relative to the checked value (`""` for the value itself), in formatPath's form. */
  path: string;
  message: string;
}

const NUL = String.fromCharCode(0);
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Keys that would shadow the conversion methods every object inherits. */
const conversionKeys = new Set(['toString', 'valueOf']);

/** Why a string cannot be stored in PostgreSQL, or null when it can. */
export function stringProblem(value: string): string | null {
  if (value.includes(NUL)) return 'contains U+0000 (a NUL character), which cannot be stored';
  if (loneSurrogate.test(value)) return 'contains a lone UTF-16 surrogate (invalid Unicode), which cannot be stored';
  return null;
}

/**
 * The first reason `value` is not acceptable JSON for Conveyor, or null. Walks with an explicit
 * stack (never recursion), so a value nested far deeper than the limit is judged, not crashed on.
 */
export function jsonProblem(value: unknown, limits: JsonLimits = defaultJsonLimits): JsonProblem | null {
  // Each entry links to its parent, so a path is only built for the one value that has a problem.
  const stack: Visit[] = [{ value, depth: 0, key: undefined, parent: undefined }];
  let nodes = 0;
  while (stack.length > 0) {
    const visit = stack.pop() as Visit;
    nodes += 1;
    if (nodes > limits.maxNodes) return { path: '', message: `has more than ${limits.maxNodes} values` };
    const problem = valueProblem(visit.value, visit.depth, limits);
    if (problem) return { path: pathOf(visit), message: problem };
    if (typeof visit.value !== 'object' || visit.value === null) continue;
    const entries: [PropertyKey, unknown][] = Array.isArray(visit.value)
      ? visit.value.map((item, index) => [index, item])
      : Object.entries(visit.value);
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const [key, item] = entries[index] as [PropertyKey, unknown];
      const keyProblem = typeof key === 'string' ? keyProblemOf(key) : null;
      if (keyProblem) return { path: pathOf(visit), message: `has a key that ${keyProblem}` };
      stack.push({ value: item, depth: visit.depth + 1, key, parent: visit });
    }
  }
  return null;
}

interface Visit {
  value: unknown;
  depth: number;
  key: PropertyKey | undefined;
  parent: Visit | undefined;
}

function pathOf(visit: Visit): string {
  const segments: PropertyKey[] = [];
  for (let at: Visit | undefined = visit; at?.parent; at = at.parent) segments.push(at.key as PropertyKey);
  return formatPath(segments.reverse());
}

function keyProblemOf(key: string): string | null {
  if (conversionKeys.has(key)) return `is named "${key}", which would shadow the method that turns a value into text`;
  return stringProblem(key);
}

/** The problem's field under `root`: `body.order.note`, `input[0]`, or `root` itself. */
export function fieldOfProblem(root: string, problem: JsonProblem): string {
  if (problem.path === '') return root;
  return problem.path.startsWith('[') ? `${root}${problem.path}` : `${root}.${problem.path}`;
}

function valueProblem(value: unknown, depth: number, limits: JsonLimits): string | null {
  if (typeof value === 'string') return stringProblem(value);
  if (typeof value === 'object' && value !== null && depth >= limits.maxDepth) {
    return `is nested more than ${limits.maxDepth} levels deep`;
  }
  return null;
}
