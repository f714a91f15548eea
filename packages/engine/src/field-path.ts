/**
 * Renders a path the way a person would write it in JavaScript: `steps[2].retry.attempts`,
 * `input.headers["content-type"]`. Every error about a field names it in this form.
 */
export function formatPath(segments: readonly PropertyKey[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (typeof segment === 'symbol') path += `[${String(segment)}]`;
    else if (identifier.test(segment)) path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/** Appends one segment to an already formatted path. */
export function joinPath(path: string, segment: string | number): string {
  const tail = formatPath([segment]);
  return path === '' || tail.startsWith('[') ? `${path}${tail}` : `${path}.${tail}`;
}

/** `step "b" input.x` or just `input.x`: how messages name a location. */
export function describeLocation(location: { stepKey?: string | undefined; path: string }): string {
  return location.stepKey === undefined ? location.path : `step "${location.stepKey}" ${location.path}`;
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
