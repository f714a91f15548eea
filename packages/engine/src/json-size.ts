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
  return utf8Bytes(json, limit);
}

/**
 * The UTF-8 size of `text`, or Infinity when it is larger than `limit`. A UTF-16 code unit encodes to
 * at least one byte, so a text longer than the limit is over it without being measured.
 */
export function utf8Bytes(text: string, limit = Number.POSITIVE_INFINITY): number {
  if (text.length > limit) return Number.POSITIVE_INFINITY;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limit ? Number.POSITIVE_INFINITY : bytes;
}

/** Why `value` is over `limit` bytes of JSON ("what" names it), or null when it fits. */
export function sizeProblem(what: string, value: unknown, limit: number): string | null {
  return jsonBytes(value, limit) > limit ? `${what} is larger than ${limit} bytes of JSON` : null;
}
