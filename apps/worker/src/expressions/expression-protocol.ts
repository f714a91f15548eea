/** The messages between the worker and its expression processes. */

/** One step's templates to evaluate: its whole input, or its `if`. */
export interface ExpressionRequest {
  id: number;
  kind: 'input' | 'condition';
  stepKey: string;
  /** The input template as JSON, or the `if` source: with kind and step key, the child's cache key. */
  source: string;
  context: unknown;
}

export type ChildMessage =
  | { type: 'ready' }
  /** The field about to be evaluated, so a deadline or a crash can name it. */
  | { type: 'field'; id: number; path: string }
  | { type: 'done'; id: number; json: string | undefined }
  /** A problem the engine reported (VALIDATION_FAILED): its message and details. */
  | { type: 'failed'; id: number; message: string; details: Record<string, unknown> };
