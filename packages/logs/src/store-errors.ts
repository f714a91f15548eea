import { MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';

/**
 * Whether an error means the log store (MongoDB / FerretDB) cannot be reached, rather than that the
 * query was wrong: the caller answers 503 and a retry later can succeed. A closed topology is one the
 * store replaces after a failed connection.
 */
export function isLogStoreUnavailable(error: unknown): boolean {
  return (
    error instanceof MongoServerSelectionError || error instanceof MongoNetworkError || error instanceof MongoTopologyClosedError
  );
}
