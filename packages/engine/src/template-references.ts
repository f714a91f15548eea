import type jsonata from 'jsonata';
import { type AstNode, walkAst } from './jsonata-ast';

/**
 * What a set of parsed expressions reads from the context: the step keys named as
 * `steps.<key>` (optionally behind `$$.` or `$.`) and whether the run input is used. A dynamic
 * lookup such as `$lookup(steps, $k)` names no key and is not reported, nor does a bare `$$` count as
 * using the input. Any path that starts with
 * `steps` counts, even inside a predicate where it would be relative: over-reporting is the safe
 * side for a publish-time check.
 */
export function referencesOf(asts: readonly jsonata.ExprNode[]): TemplateReferences {
  const references: TemplateReferences = { stepKeys: new Set(), usesInput: false };
  for (const ast of asts) {
    walkAst(ast, (node) => {
      if (node.type === 'path' && Array.isArray(node.steps)) recordPath(node.steps, references);
    });
  }
  return references;
}

function recordPath(steps: readonly AstNode[], references: TemplateReferences): void {
  const startsAtRoot = steps[0]?.type === 'variable' && (steps[0].value === '$' || steps[0].value === '');
  const head = steps[startsAtRoot ? 1 : 0];
  const next = steps[startsAtRoot ? 2 : 1];
  if (isName(head, 'input')) references.usesInput = true;
  if (isName(head, 'steps') && next?.type === 'name' && typeof next.value === 'string') references.stepKeys.add(next.value);
}

function isName(node: AstNode | undefined, name: string): boolean {
  return node?.type === 'name' && node.value === name;
}

export interface TemplateReferences {
  stepKeys: Set<string>;
  usesInput: boolean;
}
