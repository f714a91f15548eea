export {
  canTransitionRun,
  isTerminalRunStatus,
  type RunStatus,
  runStatuses,
  runTransitions,
  terminalRunStatuses,
} from './run-state';
export {
  canTransitionStep,
  isTerminalStepStatus,
  type StepStatus,
  stepStatuses,
  stepTransitions,
  terminalStepStatuses,
} from './step-state';
