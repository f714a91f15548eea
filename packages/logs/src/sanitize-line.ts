import { isLogLevel, type LogLevel, type LogLine } from './log-line';

export const REDACTED = '[REDACTED]';
export const DEFAULT_MAX_MESSAGE_BYTES = 8 * 1024;
export const DEFAULT_MAX_CONTEXT_BYTES = 32 * 1024;

/**
 * Makes a log line safe to store, and never throws:
 * - secrets: values under secret-looking keys (authorization, password, token, apiKey, cookie, …, at any
 *   depth, case-insensitive) become `[REDACTED]`, and so does every occurrence of each `secretValues`
 *   string (length ≥ 4; also its URL-encoded form) in the message and in every context string;
 * - size: a message over `maxMessageBytes` is cut and ends with `… [truncated N bytes]`; a context whose
 *   JSON is over `maxContextBytes` becomes `{ _truncated: true, originalBytes, preview }`;
 * - shape: the context becomes plain JSON data that any MongoDB wire server stores — cycles become
 *   `[Circular]`, BigInt a string, Dates ISO strings, Errors `{ name, message, stack }`, binary data a
 *   `[binary N bytes]` note, NaN/Infinity strings; keys starting with `$` or containing `.` get
 *   full-width look-alikes (`＄`, `．`), NUL characters become U+FFFD, and an array directly inside an
 *   array becomes its JSON text (FerretDB 1.x refuses all of those, and a NUL fails a whole batch there).
 */
export function sanitizeLine(line: LogLine, opts: SanitizeOptions = {}): LogLine {
  return sanitizeWithSize(line, opts).line;
}

/** `sanitizeLine` plus an estimate of the line's size in memory, for the writer's byte bound. */
export function sanitizeWithSize(line: LogLine, opts: SanitizeOptions = {}): { line: LogLine; bytes: number } {
  const secrets = secretPatterns(opts.secretValues);
  const maxMessageBytes = positiveOr(opts.maxMessageBytes, DEFAULT_MAX_MESSAGE_BYTES);
  const maxContextBytes = positiveOr(opts.maxContextBytes, DEFAULT_MAX_CONTEXT_BYTES);

  const message = truncateMessage(cleanString(stringOf(line?.message), secrets), maxMessageBytes);
  const out: LogLine = {
    tenantId: stringOf(line?.tenantId),
    workflowRunId: stringOf(line?.workflowRunId),
    level: levelOf(line?.level),
    message: message.text,
    timestamp: timestampOf(line?.timestamp),
  };
  if (line?.stepRunId !== undefined && line.stepRunId !== null) out.stepRunId = stringOf(line.stepRunId);

  let contextBytes = 0;
  if (line?.context !== undefined && line.context !== null) {
    const context = safeContext(line.context, secrets, maxContextBytes);
    out.context = context.value;
    contextBytes = context.bytes;
  }
  const bytes =
    LINE_OVERHEAD_BYTES +
    message.bytes +
    contextBytes +
    out.tenantId.length +
    out.workflowRunId.length +
    (out.stepRunId?.length ?? 0);
  return { line: out, bytes };
}

/**
 * The redaction of a log line, for any other text that leaves a step (its recorded error, the job's
 * failure reason, the process log): every occurrence of each `secretValues` string (length ≥ 4, also
 * URL-encoded) becomes `[REDACTED]`.
 */
export function redactText(text: string, secretValues: readonly string[]): string {
  return cleanString(text, secretPatterns(secretValues));
}

/**
 * `redactText` applied to every string inside `value`, and values under secret-looking keys replaced:
 * a JSON-data copy, as a log line's context is stored (an Error becomes `{ name, message, code, stack, cause }`).
 */
export function redactValue(value: unknown, secretValues: readonly string[]): unknown {
  try {
    return toSafe(value, secretPatterns(secretValues), 0, new Set(), false);
  } catch {
    return REDACTED;
  }
}

/**
 * The same JSON data with every occurrence of each `secretValues` string redacted in its strings (keys
 * included), and nothing else changed: for a step's output, whose fields a later step may read.
 */
export function redactSecretValues(value: unknown, secretValues: readonly string[]): unknown {
  const patterns = secretPatterns(secretValues);
  if (patterns.length === 0) return value;
  const walk = (current: unknown): unknown => {
    if (typeof current === 'string') return cleanString(current, patterns);
    if (Array.isArray(current)) return current.map(walk);
    if (current === null || typeof current !== 'object') return current;
    return Object.fromEntries(Object.entries(current).map(([key, item]) => [cleanString(key, patterns), walk(item)]));
  };
  return walk(value);
}

/** Whether a context key names a secret: its value is replaced whatever it is. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

const SECRET_KEY = /authori[sz]ation|passw(?:or)?d|^pwd$|secret|token|api[-_ ]?key|cookie|private[-_ ]?key|credential/i;
const MIN_SECRET_LENGTH = 4;
const MAX_DEPTH = 32;
const PREVIEW_CHARS = 1024;
/** Object headers, the Date, the ObjectId and the buffer entry of one line, roughly. */
const LINE_OVERHEAD_BYTES = 160;

function secretPatterns(values: readonly unknown[] | undefined): string[] {
  if (!Array.isArray(values) || values.length === 0) return [];
  const patterns = new Set<string>();
  for (const value of values) {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
    patterns.add(value);
    try {
      const encoded = encodeURIComponent(value);
      if (encoded !== value) patterns.add(encoded);
    } catch {
      // a lone surrogate cannot be URL-encoded; the plain form is still redacted
    }
  }
  // longest first, so a secret that contains another one is redacted whole
  return [...patterns].sort((a, b) => b.length - a.length);
}

function cleanString(value: string, secrets: readonly string[]): string {
  let text = value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
  for (const secret of secrets) {
    if (text.includes(secret)) text = text.split(secret).join(REDACTED);
  }
  return text;
}

function cleanKey(key: string): string {
  let safe = key.includes('\u0000') ? key.replaceAll('\u0000', '\uFFFD') : key;
  if (safe.startsWith('$')) safe = `\uFF04${safe.slice(1)}`;
  if (safe.includes('.')) safe = safe.replaceAll('.', '\uFF0E');
  return safe;
}

function truncateMessage(text: string, maxBytes: number): { text: string; bytes: number } {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return { text, bytes };
  const encoded = Buffer.from(text, 'utf8');
  // the marker for the largest possible cut bounds the marker's own size
  const markerBytes = Buffer.byteLength(marker(bytes), 'utf8');
  let keep = Math.max(0, maxBytes - markerBytes);
  while (keep > 0 && ((encoded[keep] ?? 0) & 0xc0) === 0x80) keep--; // do not split a UTF-8 sequence
  const cut = `${encoded.subarray(0, keep).toString('utf8')}${marker(bytes - keep)}`;
  return { text: cut, bytes: Buffer.byteLength(cut, 'utf8') };
}

function marker(cutBytes: number): string {
  return `… [truncated ${cutBytes} bytes]`;
}

function safeContext(
  context: unknown,
  secrets: readonly string[],
  maxBytes: number,
): { value: Record<string, unknown>; bytes: number } {
  let value: Record<string, unknown>;
  try {
    const cleaned = toSafe(context, secrets, 0, new Set(), false);
    value = isPlainRecord(cleaned) ? cleaned : { value: cleaned ?? null };
  } catch {
    value = { _unserializable: true };
  }
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch {
    value = { _unserializable: true };
    json = JSON.stringify(value);
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes <= maxBytes) return { value, bytes };
  let preview = json.slice(0, Math.min(PREVIEW_CHARS, Math.max(0, Math.floor(maxBytes / 4))));
  const last = preview.charCodeAt(preview.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) preview = preview.slice(0, -1); // no lone high surrogate at the cut
  const truncated = { _truncated: true, originalBytes: bytes, preview };
  return { value: truncated, bytes: Buffer.byteLength(JSON.stringify(truncated), 'utf8') };
}

/** A JSON-data copy of `value` with secrets redacted; `undefined` means "leave the key out". */
function toSafe(value: unknown, secrets: readonly string[], depth: number, ancestors: Set<object>, inArray: boolean): unknown {
  switch (typeof value) {
    case 'string':
      return cleanString(value, secrets);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return inArray ? null : undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.has(object)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated: too deep]';
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
  if (ArrayBuffer.isView(object)) return `[binary ${object.byteLength} bytes]`;
  if (object instanceof ArrayBuffer) return `[binary ${object.byteLength} bytes]`;

  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      const items = object.map((item) => toSafe(item, secrets, depth + 1, ancestors, true));
      return items.map((item) => (Array.isArray(item) ? JSON.stringify(item) : item));
    }
    if (object instanceof Set) return toSafe([...object], secrets, depth, ancestors, inArray);
    if (object instanceof Map) {
      const entries: Record<string, unknown> = {};
      for (const [key, item] of object) entries[String(key)] = item;
      return safeRecord(entries, secrets, depth, ancestors);
    }
    if (object instanceof Error) {
      const { name, message, stack } = object;
      const extra = object as Error & { code?: unknown; cause?: unknown };
      return safeRecord(
        {
          name,
          message,
          ...(extra.code !== undefined ? { code: extra.code } : {}),
          ...(stack !== undefined ? { stack } : {}),
          ...(extra.cause !== undefined ? { cause: extra.cause } : {}),
        },
        secrets,
        depth,
        ancestors,
      );
    }
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const json: unknown = toJSON.call(object);
      if (json !== object) return toSafe(json, secrets, depth + 1, ancestors, inArray);
    }
    return safeRecord(object, secrets, depth, ancestors);
  } finally {
    ancestors.delete(object);
  }
}

function safeRecord(object: object, secrets: readonly string[], depth: number, ancestors: Set<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(object)) {
    let item: unknown;
    try {
      item = (object as Record<string, unknown>)[key];
    } catch {
      item = '[Unreadable]';
    }
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue;
    out[cleanKey(key)] = isSecretKey(key) ? REDACTED : toSafe(item, secrets, depth + 1, ancestors, false);
  }
  return out;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  try {
    return String(value);
  } catch {
    return '';
  }
}

function levelOf(value: unknown): LogLevel {
  if (isLogLevel(value)) return value;
  const upper = typeof value === 'string' ? value.toUpperCase() : '';
  if (isLogLevel(upper)) return upper;
  return upper === 'WARNING' ? 'WARN' : 'INFO';
}

function timestampOf(value: unknown): Date {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
  if (typeof value === 'number' || typeof value === 'string') {
    const parsed = new Date(value);
    if (!Number.isNaN(parsed.getTime())) return parsed;
  }
  return new Date();
}

function positiveOr(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
}

export interface SanitizeOptions {
  /** Values to redact wherever they appear (e.g. every string of the step's connection). */
  secretValues?: string[];
  /** Default 8 KiB. */
  maxMessageBytes?: number;
  /** Default 32 KiB (the context's JSON). */
  maxContextBytes?: number;
}
