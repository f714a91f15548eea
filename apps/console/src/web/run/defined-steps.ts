/** A step of the run's pinned definition, as the run page draws and lists it. */
export interface DefinedStep {
  key: string;
  /** The action's key (`http.request`), without its app and version. */
  action: string;
  dependsOn: string[];
  input: unknown;
}

/** The steps of a stored definition; anything unreadable (a definition of another shape) gives none. */
export function definedSteps(definition: unknown): DefinedStep[] {
  const steps = (definition as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) return [];
  return steps.flatMap((step: { key?: unknown; action?: unknown; dependsOn?: unknown; input?: unknown }) =>
    typeof step?.key === 'string'
      ? [
          {
            key: step.key,
            action: actionName(step.action),
            dependsOn: Array.isArray(step.dependsOn) ? step.dependsOn.filter((d): d is string => typeof d === 'string') : [],
            input: step.input,
          },
        ]
      : [],
  );
}

function actionName(action: unknown): string {
  if (typeof action === 'string') return action.split('/').at(-1) ?? action;
  const key = (action as { key?: unknown } | null)?.key;
  return typeof key === 'string' ? key : 'action';
}
