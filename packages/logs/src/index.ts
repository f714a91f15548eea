export { type BatchingWriter, type BatchingWriterOptions, createBatchingWriter } from './batching-writer';
export { indexSpecs, isTtlRefusal, LOG_COLLECTION, plainTimestampIndexSpec, ttlIndexSpec } from './index-specs';
export { keepInitialising } from './keep-initialising';
export {
  isLogLevel,
  type LogDocument,
  type LogLevel,
  type LogLine,
  levelsAtOrAbove,
  logLevels,
  type StoredLogLine,
} from './log-line';
export {
  type LogPage,
  type LogQuery,
  type LogStore,
  type RejectedLogDocument,
  RejectedLogDocumentsError,
  type RetentionMode,
} from './log-store';
export { logWriterMetricNames } from './log-writer.metrics';
export { createMongoLogStore, type MongoLogStoreOptions } from './mongo-log-store';
export { cursorOf, decodeCursor, MAX_PAGE_LIMIT } from './queries';
export { isSecretKey, REDACTED, redactSecretValues, redactText, redactValue, type SanitizeOptions } from './sanitize-line';
export { isLogStoreUnavailable } from './store-errors';
