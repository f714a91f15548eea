// Hostile JSON for the fuzz suite: values built as data, rendered to text by `toJsonText`, which
// expands the markers JSON.stringify cannot produce itself (deep nesting, a real `__proto__` key).
import fc from 'fast-check';

const DEEP = '@@deep:';
const PROTO_KEY = '@@proto@@';

/** A lone UTF-16 surrogate, a NUL, or a paired surrogate: what PostgreSQL refuses (or accepts) in text. */
const awkwardChar = fc.oneof(
  fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)),
  fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\u2028', '\uFEFF', '😀', '\uDBFF\uDFFF'),
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.string({ maxLength: 8 }), awkwardChar, fc.string({ maxLength: 8 })).map((parts) => parts.join('')),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      'null',
      '__proto__',
      'constructor',
      'toString',
      '00000000-0000-0000-0000-000000000000',
      'not-a-uuid',
      '$.steps',
      '{{ input.x }}',
      '\'; DROP TABLE "WorkflowRun"; --',
      '%00',
      '../../etc/passwd',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 200_000 }).map((length) => 'x'.repeat(length)) },
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(PROTO_KEY, 'constructor', 'prototype', 'length', 'valueOf', 'toString', 'hasOwnProperty', 'then'),
  },
  { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 4 }), awkwardChar).map((parts) => parts.join('')) },
);

/** Nesting past any sane limit, as a marker `toJsonText` expands (arrays or objects). */
const deepMarker = fc
  .tuple(fc.integer({ min: 30, max: 12_000 }), fc.constantFrom('a', 'o'))
  .map(([depth, kind]) => `${DEEP}${depth}:${kind}`);

/** `{ length: { valueOf: 1, toString: 1 } }`: an object that cannot be turned into a primitive. */
const oddLength = fc.constant({ length: { valueOf: 1, toString: 1 } });

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1e308, -1, 2 ** 53 + 1)) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: deepMarker },
  { weight: 1, arbitrary: oddLength },
);

/** Any JSON value, hostile at the leaves and in the keys, a few levels deep and a few wide. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown; array: unknown[]; object: unknown }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', maxDepth: 4 }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map((entries) => Object.fromEntries(entries)),
})).value;

/** JSON text of `value` with its markers expanded. Builds deep nesting as text: JSON.stringify overflows on it. */
export function toJsonText(value: unknown): string {
  return (JSON.stringify(value) ?? 'null')
    .replaceAll(`"${PROTO_KEY}"`, '"__proto__"')
    .replace(/"@@deep:(\d+):([ao])"/g, (_, depth: string, kind: string) => {
      const levels = Number(depth);
      return kind === 'a' ? `${'['.repeat(levels)}1${']'.repeat(levels)}` : `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
    });
}

/** Every path (list of keys) into a plain JSON value, the value itself first. */
function pathsOf(value: unknown): (string | number)[][] {
  const paths: (string | number)[][] = [];
  const stack: { at: unknown; path: (string | number)[] }[] = [{ at: value, path: [] }];
  while (stack.length > 0) {
    const { at, path } = stack.pop() as { at: unknown; path: (string | number)[] };
    paths.push(path);
    if (!at || typeof at !== 'object') continue;
    for (const [key, item] of Object.entries(at))
      stack.push({ at: item, path: [...path, Array.isArray(at) ? Number(key) : key] });
  }
  return paths;
}

type Mutation = { kind: 'replace' | 'delete' | 'add'; pick: number; key: string; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('replace', 'replace', 'delete', 'add'),
  pick: fc.nat(),
  key: hostileKey,
  value: hostileValue,
});

/** A valid body with up to three fields replaced, deleted or added; sometimes kept valid, sometimes replaced whole. */
export function mutated(valid: unknown): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(valid) },
    { weight: 6, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }).map((mutations) => applyAll(valid, mutations)) },
    { weight: 1, arbitrary: hostileValue },
  );
}

function applyAll(valid: unknown, mutations: Mutation[]): unknown {
  let body = structuredClone(valid);
  for (const { kind, pick, key, value: generated } of mutations) {
    // A copy: fast-check shares generated values between runs, and mutating them would tie knots.
    const value = structuredClone(generated);
    const paths = pathsOf(body);
    const path = paths[pick % paths.length] as (string | number)[];
    if (path.length === 0) {
      if (kind === 'replace') body = value;
      else if (kind === 'add' && body && typeof body === 'object' && !Array.isArray(body))
        (body as Record<string, unknown>)[key] = value;
      continue;
    }
    const parent = path
      .slice(0, -1)
      .reduce<unknown>((at, segment) => (at as Record<string | number, unknown>)[segment], body) as Record<
      string | number,
      unknown
    >;
    const last = path[path.length - 1] as string | number;
    if (kind === 'replace') parent[last] = value;
    else if (kind === 'delete') delete parent[last];
    else {
      const target = parent[last];
      if (target && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[key] = value;
      else parent[last] = value;
    }
  }
  return body;
}
