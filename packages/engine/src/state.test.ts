import { describe, expect, it } from 'vitest';
import {
  canTransitionRun,
  canTransitionStep,
  isTerminalRunStatus,
  isTerminalStepStatus,
  runStatuses,
  runTransitions,
  stepStatuses,
  stepTransitions,
} from './index';

describe('run state machine', () => {
  it('follows the documented path and refuses shortcuts', () => {
    expect(canTransitionRun('PENDING', 'QUEUED')).toBe(true);
    expect(canTransitionRun('QUEUED', 'RUNNING')).toBe(true);
    expect(canTransitionRun('RUNNING', 'SUCCEEDED')).toBe(true);
    expect(canTransitionRun('PENDING', 'RUNNING')).toBe(false);
    expect(canTransitionRun('SUCCEEDED', 'RUNNING')).toBe(false);
    expect(canTransitionRun('CANCELLED', 'QUEUED')).toBe(false);
  });

  it('lets only a failed run be queued again, and never leaves SUCCEEDED or CANCELLED', () => {
    expect(canTransitionRun('FAILED', 'QUEUED')).toBe(true);
    expect(runTransitions.SUCCEEDED).toEqual([]);
    expect(runTransitions.CANCELLED).toEqual([]);
  });

  it('knows its terminal states and only names known states', () => {
    expect(runStatuses.filter(isTerminalRunStatus)).toEqual(['SUCCEEDED', 'FAILED', 'CANCELLED']);
    for (const targets of Object.values(runTransitions)) {
      for (const target of targets) expect(runStatuses).toContain(target);
    }
  });
});

describe('step state machine', () => {
  it('allows a retry from RUNNING back to QUEUED and a rerun of a failed step', () => {
    expect(canTransitionStep('RUNNING', 'QUEUED')).toBe(true);
    expect(canTransitionStep('FAILED', 'PENDING')).toBe(true);
    expect(canTransitionStep('SUCCEEDED', 'PENDING')).toBe(false);
    expect(canTransitionStep('PENDING', 'RUNNING')).toBe(false);
  });

  it('skips only steps whose action has not run: by planning (PENDING) or by a false `if` as the attempt starts (RUNNING)', () => {
    const canSkip = stepStatuses.filter((status) => canTransitionStep(status, 'SKIPPED'));
    expect(canSkip).toEqual(['PENDING', 'RUNNING']);
    expect(stepStatuses.filter(isTerminalStepStatus)).toEqual(['SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED']);
    for (const targets of Object.values(stepTransitions)) {
      for (const target of targets) expect(stepStatuses).toContain(target);
    }
  });
});
