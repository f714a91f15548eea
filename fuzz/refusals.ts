// The rule's second half: a refusal (400) names the field it refuses, so a client can fix its request.

/** The start of an answer's message, in its JSON text (which may be cut). */
const MESSAGE = /"message":"((?:[^"\\]|\\.)*)/;
/**
 * A message that starts with a path (`body.key: …`, `body["idempotency-key"]: …`, `definition: …`), or a
 * definition's first issue after its heading (`invalid workflow definition: step \"a\" forEach.items: …`).
 */
const STARTS_WITH_A_PATH = /^(?:invalid workflow definition: (?:step \\"(?:[^"\\]|\\.)*?\\" )?)?[A-Za-z_$][\w$-]*(?:[.[]|: )/;

/**
 * Whether a refusal's body names its field: a `field` (an action's `extensions.field`, a route's
 * `error.details.field` or `details.issues[].field`), or a message that starts with one. Reads the text
 * (the harness keeps its first characters), not the JSON, which that cut may have broken.
 */
export function namesAField(answer: string): boolean {
  if (/"field":"[^"]+"/.test(answer)) return true;
  const message = MESSAGE.exec(answer)?.[1];
  return message !== undefined && STARTS_WITH_A_PATH.test(message);
}
