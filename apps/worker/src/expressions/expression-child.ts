/**
 * The body of an expression process (see expression-pool.ts): it evaluates one step's templates at a
 * time and answers with the value as JSON. Its argument is the per-expression JSONata timeout in
 * ms. It holds no connection or secret: what it gets in a message is all it can read.
 */
import {
  type CompiledInput,
  type CompiledTemplate,
  compileCondition,
  compileInput,
  type TemplateContext,
} from '@conveyor/engine';
import { isConveyorError } from '@conveyor/errors';
import type { ChildMessage, ExpressionRequest } from './expression-protocol';

const timeoutMs = Number(process.argv[2]);
const compiled = new Map<string, CompiledInput | CompiledTemplate>();
const maxCompiled = 500;

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** The request's templates, compiled once per step and template: later attempts and runs reuse them. */
function compiledFor(request: ExpressionRequest): CompiledInput | CompiledTemplate {
  const key = `${request.kind}\u0000${request.stepKey}\u0000${request.source}`;
  const known = compiled.get(key);
  if (known) return known;
  if (compiled.size >= maxCompiled) compiled.delete(compiled.keys().next().value as string);
  const limits = { timeoutMs };
  const made =
    request.kind === 'input'
      ? compileInput(JSON.parse(request.source), limits, { stepKey: request.stepKey })
      : compileCondition(request.source, { limits, stepKey: request.stepKey });
  compiled.set(key, made);
  return made;
}

async function evaluate(request: ExpressionRequest): Promise<unknown> {
  const context = request.context as TemplateContext;
  if (request.kind === 'condition') {
    send({ type: 'field', id: request.id, path: 'if' });
    return Boolean(await (compiledFor(request) as CompiledTemplate).evaluate(context));
  }
  const onField = (path: string) => send({ type: 'field', id: request.id, path });
  return (compiledFor(request) as CompiledInput).evaluate(context, onField);
}

process.on('message', (request: ExpressionRequest) => {
  evaluate(request).then(
    (value) => send({ type: 'done', id: request.id, json: value === undefined ? undefined : JSON.stringify(value) }),
    (error: unknown) =>
      send({
        type: 'failed',
        id: request.id,
        message: error instanceof Error ? error.message : String(error),
        details: isConveyorError(error) ? error.details : {},
      }),
  );
});
// The worker process going away closes the channel: nothing is left to answer.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
