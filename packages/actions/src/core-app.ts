import type { Action } from './action';
import { approvalAction } from './approval.action';
import { delayAction } from './delay.action';
import { httpRequestAction } from './http-request.action';
import { logAction } from './log.action';
import { noopAction } from './noop.action';
import { runWorkflowAction } from './run-workflow.action';
import { switchAction } from './switch.action';
import { transformAction } from './transform.action';
import { waitForEventAction } from './wait-for-event.action';

/** The built-in app every tenant has; seeds the App/AppVersion rows. */
export const coreApp = Object.freeze({ key: 'core', name: 'Core', version: '1' });

/** The built-in actions of `core@1`. */
export const coreActions: readonly Action[] = Object.freeze([
  httpRequestAction,
  transformAction,
  delayAction,
  logAction,
  noopAction,
  switchAction,
  waitForEventAction,
  runWorkflowAction,
  approvalAction,
]);
