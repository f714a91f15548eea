export { type HealthCheck, type HealthReport, runHealthChecks } from './health';
export { type LogContext, type LogFieldName, logFields } from './log-fields';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export { createMetricsRegistry, Registry } from './metrics';
export { createPipelineMetrics, type PipelineMetrics, type QueueSnapshot, registerQueueGauges } from './pipeline-metrics';
export { annotateActiveSpan, inSpan, nameRequestSpan, remoteTraceContext, spanAttributes, withContext } from './spans';
export { tracingStarted } from './tracing-state';
