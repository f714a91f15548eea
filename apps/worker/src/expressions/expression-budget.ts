import { performance } from 'node:perf_hooks';

/**
 * The time one step attempt's expressions may take, all fields and its `if` together: the worker's
 * per-step budget, never more than the step's timeout. Each evaluation is charged what it took; an
 * isolated one is killed when it would overdraw.
 */
export interface ExpressionBudget {
  readonly totalMs: number;
  leftMs(): number;
  charge(ms: number): void;
}

export function createExpressionBudget(budgetMs: number, stepTimeoutMs: number): ExpressionBudget {
  const totalMs = Math.min(budgetMs, stepTimeoutMs);
  let spentMs = 0;
  return {
    totalMs,
    leftMs: () => totalMs - spentMs,
    charge(ms) {
      spentMs += ms;
    },
  };
}

/** Runs `evaluate` in process, charging the budget what it took. */
export async function charged<T>(budget: ExpressionBudget, evaluate: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await evaluate();
  } finally {
    budget.charge(performance.now() - started);
  }
}
