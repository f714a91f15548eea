import type { paths } from './generated/openapi';

/** The JSON body of a route's 200 answer, as the api's OpenAPI description gives it. */
type Ok<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type Session = Ok<'/v1/session', 'get'>;
export type RunPage = Ok<'/v1/runs', 'get'>;
export type RunSummary = RunPage['runs'][number];
export type RunStatus = RunSummary['status'];
export type RunView = Ok<'/v1/runs/{runId}', 'get'>;
export type StepView = RunView['steps'][number];
export type BulkResults = Ok<'/v1/runs/cancel', 'post'>;
export type WorkflowSummary = Ok<'/v1/workflows', 'get'>['workflows'][number];
export type WorkflowView = Ok<'/v1/workflows/{workflowId}', 'get'>;
export type WorkflowStats = Ok<'/v1/workflows/{workflowId}/stats', 'get'>;
export type LogLine = Ok<'/v1/runs/{runId}/logs', 'get'>['lines'][number];
export type LogLevel = LogLine['level'];

export const RUN_STATUSES = [
  'PENDING',
  'QUEUED',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const satisfies readonly RunStatus[];

/** A run in one of these states will not change again (until a retry). */
export function isEnded(status: string): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED';
}
