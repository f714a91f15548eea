/**
 * The size of `value` as UTF-8 JSON, the form it is stored and sent in, or Infinity when it is
 * larger than `limit` (counted cheaply first, so a huge value is not encoded twice). Values JSON
 * cannot hold (undefined) count as `null`; a value too deep to serialise counts as too large.
 */
export function jsonBytes(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let json: string;
  try {
    json = JSON.stringify(value) ?? 'null';
  } catch {
    // Nested past the stack (or cyclic): no budget holds it.
    return Number.POSITIVE_INFINITY;
  }
  // A UTF-16 code unit encodes to at most 3 UTF-8 bytes, and to at least 1.
  if (json.length > limit) return Number.POSITIVE_INFINITY;
  if (json.length * 3 <= limit) return Buffer.byteLength(json, 'utf8');
  const bytes = Buffer.byteLength(json, 'utf8');
  return bytes > limit ? Number.POSITIVE_INFINITY : bytes;
}

/** Why `value` is over `limit` bytes of JSON ("what" names it), or null when it fits. */
export function sizeProblem(what: string, value: unknown, limit: number): string | null {
  return jsonBytes(value, limit) > limit ? `${what} is larger than ${limit} bytes of JSON` : null;
}
