import type { ActionRef, StepDefinition } from './definition.schema';

/**
 * The action of a switch step: from its `cases` (in order, the first whose `when` holds) and its
 * `else`, it chooses one branch, and its output `{ branch }` names it (null when none was chosen).
 */
export const switchActionRef: ActionRef = Object.freeze({ app: 'core', version: '1', key: 'switch' });

export function isSwitchStep(step: StepDefinition): boolean {
  const { app, version, key } = step.action;
  return app === switchActionRef.app && version === switchActionRef.version && key === switchActionRef.key;
}

/**
 * The branch names a switch step declares (its cases' `branch` and its `else`), or null when one of
 * them is a template, only known when the switch runs.
 */
export function declaredBranches(step: StepDefinition): string[] | null {
  const { cases, else: otherwise } = step.input as { cases?: unknown; else?: unknown };
  const names = [...(Array.isArray(cases) ? cases.map((entry) => (entry as { branch?: unknown } | null)?.branch) : [])];
  if (otherwise !== undefined) names.push(otherwise);
  return names.every((name) => typeof name === 'string' && !name.includes('{{')) ? (names as string[]) : null;
}

/**
 * Why a step of a branch does not run: its switch chose another branch (or none). Null when the step
 * runs: it has no branch, or its branch was chosen. `outputs` holds its switch's output.
 */
export function branchNotTaken(step: StepDefinition, outputs: Readonly<Record<string, unknown>>): string | null {
  const branch = step.branch;
  if (branch === undefined) return null;
  const output = Object.hasOwn(outputs, branch.switch) ? outputs[branch.switch] : undefined;
  const chosen = (output as { branch?: unknown } | null | undefined)?.branch;
  if (chosen === branch.case) return null;
  const what = typeof chosen === 'string' ? `branch "${chosen}"` : 'no branch';
  return `switch "${branch.switch}" chose ${what}, not "${branch.case}"`;
}
