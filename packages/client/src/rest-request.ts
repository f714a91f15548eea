import { CLIENT_ERROR_CODES, ConveyorClientError } from './errors';
import { parseJson } from './parse-response';
import { restErrorSchema } from './schemas';

/** A GET to the api; an unreachable api becomes a `network` ConveyorClientError (an abort stays an abort). */
export async function restFetch(
  fetchImpl: typeof fetch,
  url: URL,
  init: { headers: Record<string, string>; signal?: AbortSignal | undefined },
): Promise<Response> {
  try {
    return await fetchImpl(url, { headers: init.headers, ...(init.signal ? { signal: init.signal } : {}) });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new ConveyorClientError({ code: CLIENT_ERROR_CODES.network, message: `${url.origin} is unreachable`, cause: error });
  }
}

/** The api's error body (or its status) as a ConveyorClientError. */
export async function fromRestFailure(response: Response): Promise<ConveyorClientError> {
  const text = await response.text().catch(() => '');
  const body = restErrorSchema.safeParse(safeJson(text));
  if (body.success) {
    const { code, message, details } = body.data.error;
    return new ConveyorClientError({ code, message, status: response.status, ...(details ? { details } : {}) });
  }
  return new ConveyorClientError({
    code: `HTTP_${response.status}`,
    message: `the api answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
    status: response.status,
  });
}

/** The body of a successful answer, parsed as JSON. */
export async function readJson(response: Response): Promise<unknown> {
  return parseJson(await response.text(), 'response body');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
