/**
 * Splits a string into literal text and `{{ expr }}` expressions. The closing `}}` is found by
 * scanning the JSONata source (string literals, backtick names, comments and nested braces are
 * skipped), so an object constructor such as `{{ {"a": {"b": 1}} }}` is one expression.
 * Known limit: an unbalanced brace inside a regex literal (`/\{/`) is not understood.
 */
export function splitTemplate(source: string): SplitResult {
  const segments: TemplateSegment[] = [];
  let textStart = 0;
  let open = source.indexOf('{{');
  while (open !== -1) {
    const close = findClose(source, open + 2);
    if (close === -1) return { ok: false, reason: `unterminated "{{" at offset ${open}` };
    const expression = source.slice(open + 2, close).trim();
    if (expression === '') return { ok: false, reason: `empty expression "{{ }}" at offset ${open}` };
    if (open > textStart) segments.push({ type: 'text', text: source.slice(textStart, open) });
    segments.push({ type: 'expression', source: expression });
    textStart = close + 2;
    open = source.indexOf('{{', textStart);
  }
  if (textStart < source.length) segments.push({ type: 'text', text: source.slice(textStart) });
  return { ok: true, segments };
}

/** The one expression of a string that is exactly `{{ expr }}` (whitespace around allowed), else null. */
export function soleExpression(segments: readonly TemplateSegment[]): string | null {
  const expressions = segments.filter((segment) => segment.type === 'expression');
  const onlyBlankText = segments.every((segment) => segment.type === 'expression' || segment.text.trim() === '');
  return expressions.length === 1 && onlyBlankText ? (expressions[0]?.source ?? null) : null;
}

/** Index of the `}}` that closes an expression starting at `from`, or -1. */
function findClose(source: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < source.length) {
    const char = source[i];
    if (char === '"' || char === "'" || char === '`') {
      i = skipQuoted(source, i, char);
      if (i === -1) return -1;
    } else if (char === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end === -1) return -1;
      i = end + 2;
    } else if (char === '{') {
      depth++;
      i++;
    } else if (char === '}') {
      if (depth === 0 && source[i + 1] === '}') return i;
      if (depth > 0) depth--;
      i++;
    } else {
      i++;
    }
  }
  return -1;
}

/** Position just after the quote closing the literal opened at `start`; backticks have no escapes. */
function skipQuoted(source: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < source.length) {
    const char = source[i];
    if (char === '\\' && quote !== '`') i += 2;
    else if (char === quote) return i + 1;
    else i++;
  }
  return -1;
}

export type TemplateSegment = { type: 'text'; text: string } | { type: 'expression'; source: string };
export type SplitResult = { ok: true; segments: TemplateSegment[] } | { ok: false; reason: string };
