import { createOverlapCheck, hasOverlappingAlternatives, type OverlapCheck, skipClass } from './regex-safety-overlap';

/**
 * JSONata regexes run on V8's backtracking engine, synchronously: a pattern such as `(a+)+$` on a
 * long input blocks the event loop far past any evaluation timeout (the timeout is only checked
 * between evaluation steps). Nested repetition is the classic cause, so a repeated group that
 * itself repeats is refused when either repetition is unbounded; `(\d{1,3}\.){3}` stays allowed.
 * A repeated group whose alternatives can match the same text (`(a|a)*`, `(\\w|\\d)+`) is refused
 * too (regex-safety-overlap.ts). This is a heuristic, not a proof: the expression process's
 * deadline is the backstop.
 */
export function unsafeRegexReason(pattern: string): string | null {
  // One frame per open group, the outermost being the whole pattern: what repeats inside it?
  const groups: Group[] = [{ repeats: false, unbounded: false, start: -1 }];
  let overlap: OverlapCheck | undefined;
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i];
    if (char === '(') {
      groups.push({ repeats: false, unbounded: false, start: i });
      i++;
      continue;
    }
    let atomEnd = i + 1;
    let inner: Group = { repeats: false, unbounded: false, start: i };
    if (char === '\\') atomEnd = i + 2;
    else if (char === '[') atomEnd = skipClass(pattern, i);
    else if (char === ')') inner = groups.pop() ?? inner;
    const quantifier = readQuantifier(pattern, atomEnd);
    const nested = inner.repeats && quantifier.repeats && (inner.unbounded || quantifier.unbounded);
    if (nested) return `nested repetition in /${pattern}/ can backtrack catastrophically`;
    overlap ??= char === ')' && quantifier.repeats ? createOverlapCheck(pattern) : undefined;
    if (overlap && char === ')' && quantifier.repeats && hasOverlappingAlternatives(pattern.slice(inner.start + 1, i), overlap)) {
      return `alternatives in /${pattern}/ can match the same text under a repetition, which can backtrack catastrophically`;
    }
    const enclosing = groups[groups.length - 1];
    if (enclosing) {
      enclosing.repeats ||= inner.repeats || quantifier.repeats;
      enclosing.unbounded ||= inner.unbounded || quantifier.unbounded;
    }
    i = quantifier.end;
  }
  return null;
}

/** `*`, `+` and `{n,m}` with m > 1 repeat (the first two and `{n,}` without bound); `?` and `{1}` do not. */
function readQuantifier(pattern: string, at: number): Repetition & { end: number } {
  const char = pattern[at];
  let result = { repeats: false, unbounded: false, end: at };
  if (char === '*' || char === '+') {
    result = { repeats: true, unbounded: true, end: at + 1 };
  } else if (char === '?') {
    result.end = at + 1;
  } else if (char === '{') {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(at));
    if (match) {
      const max = match[2] === undefined ? Number(match[1]) : match[3] === '' ? Number.POSITIVE_INFINITY : Number(match[3]);
      result = { repeats: max > 1, unbounded: max === Number.POSITIVE_INFINITY, end: at + match[0].length };
    }
  }
  if (result.end > at && pattern[result.end] === '?') result.end++; // lazy form
  return result;
}

interface Repetition {
  repeats: boolean;
  unbounded: boolean;
}

interface Group extends Repetition {
  /** Index of the group's `(`. */
  start: number;
}
