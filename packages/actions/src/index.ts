export {
  type Action,
  type ActionContext,
  type ActionRef,
  type ActionResult,
  defineAction,
  type StepLogger,
} from './action';
export { type ActionCatalogueEntry, actionCatalogue } from './action-catalogue';
export {
  ActionAbortedError,
  ActionError,
  type ActionErrorKind,
  type ActionErrorOptions,
  isActionAbortedError,
  isRetryableActionError,
  throwIfActionAborted,
} from './action-error';
export { type ApprovalInput, approvalAction } from './approval.action';
export { coreActions, coreApp } from './core-app';
export { type DelayInput, delayAction, MAX_DELAY_MS } from './delay.action';
export { intersectAllowlists, invalidNetworks } from './destination-policy';
export { type HttpCredentials, httpCredentialsSchema } from './http-auth';
export { type HttpRequestInput, httpRequestAction } from './http-request.action';
export { logAction } from './log.action';
export { noopAction } from './noop.action';
export { type ActionRegistry, createActionRegistry, formatActionRef, parseInput } from './registry';
export { runAction } from './run-action';
export { type RunWorkflowInput, runWorkflowAction } from './run-workflow.action';
export { type SwitchInput, switchAction } from './switch.action';
export { transformAction } from './transform.action';
export { type WaitForEventInput, waitForEventAction } from './wait-for-event.action';
