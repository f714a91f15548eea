import type { Logger } from '@conveyor/observability';

/**
 * BullMQ's refusals of an operation on a job in the wrong state (scripts' finished-error codes):
 * the operator asked for something the job's state does not allow, a 409, not a fault of the board.
 */
const JOB_STATE_REFUSALS = [
  /^Missing key for (parent )?job /,
  /^Missing lock for job /,
  / is not in the \w+ state\./,
  / has pending dependencies\./,
  /^Lock mismatch for job /,
  / cannot be replaced\./,
  /belongs to a job scheduler/i,
];

interface BoardErrorResponse {
  status: number;
  body: { error: { key: string }; message: string };
}

/**
 * Bull Board's error handler, in its own response shape (its UI reads `error.key` and `message`):
 * a client's mistake keeps its 4xx, a job-state refusal is a 409, and anything else is a 500 whose
 * body is a fixed sentence (the thrown text stays in the log).
 */
export function boardErrorHandler(log: Logger) {
  return (error: Error & { statusCode?: number }): BoardErrorResponse => {
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return { status: error.statusCode, body: { error: { key: 'ERRORS.BAD_REQUEST' }, message: error.message } };
    }
    // Bull Board decodes query values a second time (a stray `%` throws URIError) and parses parts of a
    // refused query as JSON while it words its own validation message (SyntaxError): both are the URL's fault.
    if (error instanceof URIError || error instanceof SyntaxError) {
      return { status: 400, body: { error: { key: 'ERRORS.BAD_REQUEST' }, message: 'url: a query value the board cannot read' } };
    }
    // Bull Board decodes query values a second time: a value whose decoded text holds a stray `%` throws here.
    if (error instanceof URIError || error instanceof SyntaxError) {
      return {
        status: 400,
        body: { error: { key: 'ERRORS.BAD_REQUEST' }, message: 'url: a query value is not valid percent-encoding' },
      };
    }
    if (JOB_STATE_REFUSALS.some((pattern) => pattern.test(error.message))) {
      return { status: 409, body: { error: { key: 'ERRORS.JOB_STATE_CONFLICT' }, message: error.message } };
    }
    log.error({ error }, 'board request failed');
    return { status: 500, body: { error: { key: 'ERRORS.INTERNAL_SERVER_ERROR' }, message: 'internal error' } };
  };
}
