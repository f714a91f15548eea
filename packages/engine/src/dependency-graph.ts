/**
 * Graph questions about `dependsOn`, over keys in definition order. `dependencies` maps each key
 * to the keys it depends on; edges to unknown keys and self-edges are ignored here (they are
 * reported separately).
 */

/**
 * One cycle per strongly connected component, each written in execution order (`a → b` means b
 * depends on a), starting and ending at the component's earliest step: `['a', 'b', 'c', 'a']`.
 */
export function findCycles(keys: readonly string[], dependencies: ReadonlyMap<string, readonly string[]>): string[][] {
  const dependents = dependentsOf(keys, dependencies);
  const order = new Map(keys.map((key, index) => [key, index]));
  return stronglyConnectedComponents(keys, dependents)
    .filter((component) => component.length > 1)
    .map((component) => {
      const members = new Set(component);
      const start = component.reduce((a, b) => ((order.get(a) ?? 0) <= (order.get(b) ?? 0) ? a : b));
      return cycleThrough(start, members, dependents);
    })
    .sort((a, b) => (order.get(a[0] ?? '') ?? 0) - (order.get(b[0] ?? '') ?? 0));
}

/** Every key `key` depends on, directly or not (itself excluded unless it sits on a cycle). */
export function transitiveDependencies(key: string, dependencies: ReadonlyMap<string, readonly string[]>): Set<string> {
  const found = new Set<string>();
  const pending = [...(dependencies.get(key) ?? [])];
  while (pending.length > 0) {
    const next = pending.pop() as string;
    if (found.has(next) || !dependencies.has(next)) continue;
    found.add(next);
    pending.push(...(dependencies.get(next) ?? []));
  }
  return found;
}

function dependentsOf(keys: readonly string[], dependencies: ReadonlyMap<string, readonly string[]>): Map<string, string[]> {
  const dependents = new Map<string, string[]>(keys.map((key) => [key, []]));
  for (const key of keys) {
    for (const dependency of dependencies.get(key) ?? []) {
      if (dependency !== key) dependents.get(dependency)?.push(key);
    }
  }
  return dependents;
}

/** Tarjan's algorithm, iterative so that a 500-step chain cannot overflow the stack. */
function stronglyConnectedComponents(keys: readonly string[], edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const root of keys) {
    if (index.has(root)) continue;
    const work: { key: string; next: number }[] = [{ key: root, next: 0 }];
    index.set(root, counter);
    lowLink.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1] as { key: string; next: number };
      const targets = edges.get(frame.key) ?? [];
      if (frame.next < targets.length) {
        const target = targets[frame.next++] as string;
        if (!index.has(target)) {
          index.set(target, counter);
          lowLink.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ key: target, next: 0 });
        } else if (onStack.has(target)) {
          lowLink.set(frame.key, Math.min(lowLink.get(frame.key) ?? 0, index.get(target) ?? 0));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) lowLink.set(parent.key, Math.min(lowLink.get(parent.key) ?? 0, lowLink.get(frame.key) ?? 0));
      if (lowLink.get(frame.key) === index.get(frame.key)) {
        const component: string[] = [];
        let member: string | undefined;
        do {
          member = stack.pop();
          if (member !== undefined) {
            onStack.delete(member);
            component.push(member);
          }
        } while (member !== undefined && member !== frame.key);
        components.push(component);
      }
    }
  }
  return components;
}

/** A path from `start` back to itself inside one strongly connected component (one always exists). */
function cycleThrough(start: string, members: ReadonlySet<string>, edges: ReadonlyMap<string, readonly string[]>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  // Breadth-first, so the reported cycle is a shortest one through `start`.
  while (queue.length > 0) {
    const current = queue.shift() as string;
    for (const target of edges.get(current) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) return [...pathTo(current, start, previous), start];
      if (previous.has(target)) continue;
      previous.set(target, current);
      queue.push(target);
    }
  }
  return [start, start];
}

function pathTo(end: string, start: string, previous: ReadonlyMap<string, string>): string[] {
  const path = [end];
  let current = end;
  while (current !== start) {
    current = previous.get(current) as string;
    path.unshift(current);
  }
  return path;
}
