/**
 * Whether a repeated group's alternatives can start with the same character (or one can match
 * nothing): `(a|a)*`, `(a|ab)*`, `(\w|\d)+`, `(a|)+`. Under a repetition, the backtracking engine
 * then tries every way of splitting the input between them, which is exponential in its length.
 * Conservative on purpose: `(ab|ac)*` is refused although its second character disambiguates.
 *
 * The characters an alternative can start with are found by testing each atom, with V8's own
 * regex semantics (case-insensitively, the safe side), against a sample alphabet: printable ASCII,
 * common whitespace, a few non-ASCII letters and digits, and every character the pattern names.
 * An overlap on a character outside that sample is missed: the expression deadline is the backstop.
 * The check runs where definitions are published, so its work is bounded: a pattern that would
 * take more than `maxCharacterTests` (over all its groups) is refused as if its alternatives overlapped.
 */
export function hasOverlappingAlternatives(groupBody: string, check: OverlapCheck): boolean {
  const alternatives = splitAlternatives(stripGroupPrefix(groupBody));
  if (alternatives.length < 2) return false;
  try {
    return alternativesOverlap(alternatives, check);
  } catch (error) {
    if (error instanceof TooComplex) return true;
    throw error;
  }
}

const maxCharacterTests = 200_000;

class TooComplex extends Error {}

/** The state of checking one pattern: its sample alphabet, what each atom matched, the work done. */
export interface OverlapCheck {
  alphabet: readonly string[];
  /** The sample characters each single-character atom matches, by its source. */
  matched: Map<string, readonly string[]>;
  tests: number;
}

export function createOverlapCheck(pattern: string): OverlapCheck {
  return { alphabet: sampleAlphabet(pattern), matched: new Map(), tests: 0 };
}

function alternativesOverlap(alternatives: readonly string[], check: OverlapCheck): boolean {
  const seen = new Set<string>();
  for (const alternative of alternatives) {
    const first = firstCharacters(alternative, check);
    if (first.nullable) return true;
    for (const char of first.chars) {
      if (seen.has(char)) return true;
      seen.add(char);
    }
  }
  return false;
}

interface First {
  chars: Set<string>;
  /** The sequence can match the empty string. */
  nullable: boolean;
}

/** The characters a sequence of atoms can start with, skipping zero-width and optional atoms. */
function firstCharacters(sequence: string, check: OverlapCheck): First {
  check.tests += sequence.length; // scanning it is work too: nested groups are scanned once per level
  const chars = new Set<string>();
  let i = 0;
  while (i < sequence.length) {
    const atom = readAtom(sequence, i);
    const optional = atomIsOptional(sequence, atom.end);
    i = skipQuantifier(sequence, atom.end);
    if (atom.kind === 'zero-width') continue;
    const first = atomFirst(atom, check);
    for (const char of first.chars) chars.add(char);
    if (!first.nullable && !optional) return { chars, nullable: false };
  }
  return { chars, nullable: true };
}

function atomFirst(atom: Atom, check: OverlapCheck): First {
  if (atom.kind === 'group') {
    const chars = new Set<string>();
    let nullable = false;
    for (const alternative of splitAlternatives(atom.body)) {
      const first = firstCharacters(alternative, check);
      for (const char of first.chars) chars.add(char);
      nullable ||= first.nullable;
    }
    return { chars, nullable };
  }
  if (atom.kind === 'backreference') return { chars: new Set(check.alphabet), nullable: true };
  return { chars: new Set(matchedCharacters(atom.source, check)), nullable: false };
}

function matchedCharacters(source: string, check: OverlapCheck): readonly string[] {
  let matched = check.matched.get(source);
  check.tests += matched ? matched.length : check.alphabet.length;
  if (check.tests > maxCharacterTests) throw new TooComplex();
  if (!matched) {
    const matcher = singleCharacterMatcher(source);
    matched = matcher ? check.alphabet.filter((char) => matcher.test(char)) : check.alphabet;
    check.matched.set(source, matched);
  }
  return matched;
}

function singleCharacterMatcher(source: string): RegExp | null {
  for (const flags of ['i', 'iu']) {
    try {
      return new RegExp(`^(?:${source})$`, flags);
    } catch {
      // try the next flags; an atom no flags accept is assumed to match anything
    }
  }
  return null;
}

type Atom =
  | { kind: 'char' | 'zero-width' | 'backreference'; source: string; end: number }
  | { kind: 'group'; body: string; end: number };

function readAtom(pattern: string, at: number): Atom {
  const char = pattern[at];
  if (char === '(') {
    const close = closingParen(pattern, at);
    const inner = pattern.slice(at + 1, close);
    const lookaround = /^\?(=|!|<=|<!)/.test(inner);
    return lookaround
      ? { kind: 'zero-width', source: inner, end: close + 1 }
      : { kind: 'group', body: stripGroupPrefix(inner), end: close + 1 };
  }
  if (char === '^' || char === '$') return { kind: 'zero-width', source: char, end: at + 1 };
  if (char === '[') return { kind: 'char', source: pattern.slice(at, skipClass(pattern, at)), end: skipClass(pattern, at) };
  if (char !== '\\') return { kind: 'char', source: pattern.slice(at, at + 1), end: at + 1 };
  const next = pattern[at + 1] ?? '';
  if (next === 'b' || next === 'B') return { kind: 'zero-width', source: `\\${next}`, end: at + 2 };
  const reference = /^\\(?:[1-9]\d*|k<[^>]*>)/.exec(pattern.slice(at));
  if (reference) return { kind: 'backreference', source: reference[0], end: at + reference[0].length };
  const escaped = /^\\(?:u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|c[A-Za-z]|[pP]\{[^}]*\}|[\s\S])/.exec(
    pattern.slice(at),
  );
  const source = escaped ? escaped[0] : '\\';
  return { kind: 'char', source, end: at + source.length };
}

/** The top-level `|`-separated parts of a group's body (or of a whole pattern). */
export function splitAlternatives(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < body.length) {
    const char = body[i];
    if (char === '\\') i += 2;
    else if (char === '[') i = skipClass(body, i);
    else {
      if (char === '(') depth++;
      else if (char === ')') depth--;
      else if (char === '|' && depth === 0) {
        parts.push(body.slice(start, i));
        start = i + 1;
      }
      i++;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

function stripGroupPrefix(inner: string): string {
  return inner.replace(/^\?(?::|<[A-Za-z_$][\w$]*>)/, '');
}

function closingParen(pattern: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < pattern.length) {
    const char = pattern[i];
    if (char === '\\') i += 2;
    else if (char === '[') i = skipClass(pattern, i);
    else {
      if (char === '(') depth++;
      else if (char === ')' && --depth === 0) return i;
      i++;
    }
  }
  return pattern.length;
}

/** Position after the `]` closing a character class that starts at `start`. */
export function skipClass(pattern: string, start: number): number {
  let i = start + 1;
  while (i < pattern.length) {
    if (pattern[i] === '\\') i += 2;
    else if (pattern[i] === ']') return i + 1;
    else i++;
  }
  return pattern.length;
}

function atomIsOptional(pattern: string, at: number): boolean {
  const char = pattern[at];
  return char === '*' || char === '?' || (char === '{' && /^\{0(,\d*)?\}/.test(pattern.slice(at)));
}

function skipQuantifier(pattern: string, at: number): number {
  const match = /^(?:[*+?]|\{\d+(?:,\d*)?\})\??/.exec(pattern.slice(at));
  return at + (match ? match[0].length : 0);
}

function sampleAlphabet(pattern: string): string[] {
  const chars = new Set<string>(['\t', '\n', '\r', '\u00a0', 'é', 'ß', 'ſ', '\u212a', 'Ж', '中', '٣', '😀']);
  for (let code = 0x20; code < 0x7f; code++) chars.add(String.fromCharCode(code));
  for (const char of pattern) chars.add(char);
  return [...chars];
}
