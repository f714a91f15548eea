/**
 * Codes the client itself assigns; every other code is the server's: Hasura's
 * `extensions.code` (`validation-failed`, `permission-error`, `constraint-violation`,
 * `invalid-jwt`, `access-denied`, …), an action handler's (`NOT_FOUND`, `CONFLICT`,
 * `FORBIDDEN`, `VALIDATION_FAILED`, …) or the api's REST `error.code`.
 */
export const CLIENT_ERROR_CODES = {
  /** The server could not be reached (DNS, refused connection, reset). */
  network: 'NETWORK_ERROR',
  /** The server answered something the client cannot read (not JSON, unexpected shape). */
  badResponse: 'BAD_RESPONSE',
  /** The call needs an option the client was not given (e.g. `apiUrl` for the log tail). */
  configuration: 'CLIENT_CONFIGURATION',
  /** The log tail kept failing to reconnect. */
  tailInterrupted: 'TAIL_INTERRUPTED',
} as const;

export interface ConveyorClientErrorInit {
  code: string;
  message: string;
  /** HTTP status, when the server answered. */
  status?: number;
  /** The GraphQL error's `extensions.path` or `path`, when there is one. */
  path?: string;
  /** Every other key of the error's `extensions` (or REST `details`), e.g. `runId`, `field`. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error type the client throws; `code` is the server's error code whenever it sent one. */
export class ConveyorClientError extends Error {
  override readonly name = 'ConveyorClientError';
  readonly code: string;
  readonly status: number | undefined;
  readonly path: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(init: ConveyorClientErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.path = init.path;
    this.details = init.details ?? {};
  }
}

export function isConveyorClientError(error: unknown, code?: string): error is ConveyorClientError {
  return error instanceof ConveyorClientError && (code === undefined || error.code === code);
}
