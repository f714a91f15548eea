import { ClientError, GraphQLClient } from 'graphql-request';
import type { z } from 'zod';
import { CLIENT_ERROR_CODES, ConveyorClientError } from './errors';
import { parseOrThrow } from './parse-response';

/**
 * One GraphQL call to Hasura with the caller's headers: a failure becomes a ConveyorClientError carrying
 * Hasura's error code, path and extensions, and the data is parsed with the given schema.
 */
export function createHasuraRequest(hasuraUrl: string, fetchImpl: typeof fetch, headers: () => Promise<Record<string, string>>) {
  const graphql = new GraphQLClient(hasuraUrl, { fetch: fetchImpl });
  return async function request<S extends z.ZodType>(
    document: string,
    variables: Record<string, unknown>,
    schema: S,
    signal?: AbortSignal,
  ): Promise<z.infer<S>> {
    let data: unknown;
    try {
      data = await graphql.request({ document, variables, requestHeaders: await headers(), ...(signal ? { signal } : {}) });
    } catch (error) {
      throw fromGraphqlFailure(error);
    }
    return parseOrThrow(schema, data, 'GraphQL response');
  };
}

function fromGraphqlFailure(error: unknown): unknown {
  if (error instanceof ClientError) {
    const first = error.response.errors?.[0] as
      | { message?: string; path?: unknown; extensions?: Record<string, unknown> }
      | undefined;
    const { code, path, ...details } = first?.extensions ?? {};
    const status = error.response.status;
    return new ConveyorClientError({
      code: typeof code === 'string' ? code : `HTTP_${status}`,
      message: first?.message ?? `Hasura answered HTTP ${status}`,
      status,
      ...(typeof path === 'string' ? { path } : Array.isArray(first?.path) ? { path: first.path.join('.') } : {}),
      details,
      cause: error,
    });
  }
  if (error instanceof ConveyorClientError || (error instanceof Error && error.name === 'AbortError')) return error;
  if (error instanceof TypeError) {
    return new ConveyorClientError({
      code: CLIENT_ERROR_CODES.network,
      message: `Hasura is unreachable: ${error.message}`,
      cause: error,
    });
  }
  return new ConveyorClientError({ code: CLIENT_ERROR_CODES.badResponse, message: String(error), cause: error });
}
