/** SQLSTATEs of a server that is unreachable, restarting or full: a retry later can succeed. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors of a server that is down or unreachable. */
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);
/** What node-postgres says when a connection cannot be had or was lost. */
const UNAVAILABLE_MESSAGES = [/timeout exceeded when trying to connect/i, /Connection terminated/i, /connect ECONNREFUSED/i];

/**
 * Whether an error means PostgreSQL is unavailable (down, restarting, unreachable, out of
 * connections) rather than that the statement was wrong: the caller answers 503 and retries later.
 * Looks through the error's causes, since Prisma's driver adapter wraps the driver's error.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; depth += 1) {
    if (typeof current !== 'object') return false;
    const { code, originalCode, message, cause } = current as Record<string, unknown>;
    if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || UNAVAILABLE_ERRNOS.has(code)))
      return true;
    if (typeof originalCode === 'string' && (originalCode.startsWith('08') || UNAVAILABLE_STATES.has(originalCode))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
    current = cause;
  }
  return false;
}
