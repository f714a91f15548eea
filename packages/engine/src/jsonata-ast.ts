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

/**
 * Whether an expression only reads fields and combines them with operators: paths of plain names
 * (`input.n`, `` steps.`a-b`.output[0] ``), literals, comparisons, `and`/`or` and arithmetic.
 * Such an expression costs time linear in its length and in the data it reads, so it cannot run
 * away (no functions, lambdas, ranges, regexes, predicates or variables besides `$`/`$$` at the
 * root). The worker evaluates these in process and isolates everything else. An allow-list of
 * node kinds and of their properties, so an unknown feature is never taken for plain.
 */
export function isPlainExpression(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  const { type, value } = node as AstNode;
  switch (type) {
    case 'string':
    case 'number':
    case 'value':
      return hasOnly(node, literalKeys);
    case 'path':
      return hasOnly(node, pathKeys) && isPlainPath((node as AstNode).steps);
    case 'binary':
      return (
        hasOnly(node, binaryKeys) &&
        plainOperators.has(String(value)) &&
        isPlainExpression((node as { lhs?: unknown }).lhs) &&
        isPlainExpression((node as { rhs?: unknown }).rhs)
      );
    case 'unary':
      return hasOnly(node, unaryKeys) && value === '-' && isPlainExpression((node as { expression?: unknown }).expression);
    default:
      return false;
  }
}

function isPlainPath(steps: readonly AstNode[] | undefined): boolean {
  if (!Array.isArray(steps) || steps.length === 0) return false;
  return steps.every((step, index) => {
    if (step.type === 'variable') return index === 0 && (step.value === '' || step.value === '$') && hasOnly(step, literalKeys);
    if (step.type !== 'name' || typeof step.value !== 'string') return false;
    if (hasOnly(step, literalKeys)) return true;
    return hasOnly(step, indexedNameKeys) && isNumberIndex((step as { stages?: unknown }).stages);
  });
}

/** `[0]` after a name: one filter stage whose expression is a number literal. */
function isNumberIndex(stages: unknown): boolean {
  if (!Array.isArray(stages) || stages.length !== 1) return false;
  const [stage] = stages as { type?: unknown; expr?: unknown }[];
  return (
    stage?.type === 'filter' &&
    hasOnly(stage, filterKeys) &&
    (stage.expr as AstNode | undefined)?.type === 'number' &&
    hasOnly(stage.expr, literalKeys)
  );
}

function hasOnly(node: unknown, keys: ReadonlySet<string>): boolean {
  return Object.keys(node as object).every((key) => keys.has(key));
}

const literalKeys = new Set(['type', 'value', 'position']);
const indexedNameKeys = new Set([...literalKeys, 'stages']);
const filterKeys = new Set(['type', 'expr', 'position']);
const pathKeys = new Set(['type', 'steps']);
const binaryKeys = new Set(['type', 'value', 'position', 'lhs', 'rhs']);
const unaryKeys = new Set(['type', 'value', 'position', 'expression']);
// Not `&`: a chain of concatenations multiplies the data it reads (`input.s & input.s & …`), and
// the result would be built in full before its size is checked.
const plainOperators = new Set(['=', '!=', '<', '<=', '>', '>=', 'and', 'or', '+', '-', '*', '/', '%']);
