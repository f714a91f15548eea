import type jsonata from 'jsonata';

/**
 * Visits every node of a parsed JSONata expression. The walk is generic (every object-valued
 * property) rather than per node type, so node kinds added by future JSONata versions are not
 * silently missed; the parser can share sub-objects, hence the visited set.
 */
export function walkAst(root: jsonata.ExprNode, visit: (node: AstNode) => void): void {
  const seen = new Set<object>();
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (value === null || typeof value !== 'object' || value instanceof RegExp || seen.has(value)) continue;
    seen.add(value);
    if (Array.isArray(value)) {
      pending.push(...value);
      continue;
    }
    if (typeof (value as { type?: unknown }).type === 'string') visit(value as AstNode);
    pending.push(...Object.values(value));
  }
}

/** The subset of a JSONata AST node this package reads. */
export interface AstNode {
  type: string;
  value?: unknown;
  steps?: AstNode[];
}
