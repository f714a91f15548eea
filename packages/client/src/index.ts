export {
  type CallOptions,
  type ConveyorClient,
  type ConveyorClientOptions,
  createConveyorClient,
  type RunLogsOptions,
  type StartRunOptions,
} from './client';
export * from './documents';
export { CLIENT_ERROR_CODES, ConveyorClientError, type ConveyorClientErrorInit, isConveyorClientError } from './errors';
export type { TailedLogLine, TailOptions } from './log-tail';
export type { LogLevel, LogLine, LogPage, RunActionResult, RunStatus, StepRun, StepStatus, WorkflowRun } from './schemas';
export { parseServerSentEvents, type ServerSentEvent } from './sse';
