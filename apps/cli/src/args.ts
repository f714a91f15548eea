import { readFile } from 'node:fs/promises';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A mistake on the command line: main prints it with a pointer to `--help` and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One `conveyor` command: main prints its `usage` for `--help` and exits with `run`'s code. */
export interface Command {
  /** The words that select it, e.g. `runs start`. */
  name: string;
  /** The full `--help` text. */
  usage: string;
  run(argv: string[]): Promise<number>;
}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` parseArgs in strict mode with named positionals: an unknown option, a missing value,
 * a missing or extra positional argument all throw a UsageError that names the argument.
 */
export function parseCommand<const O extends OptionsConfig, const P extends readonly string[]>(
  argv: string[],
  spec: { options: O; positionals: P },
) {
  let parsed: ReturnType<typeof parseStrict<O>>;
  try {
    parsed = parseStrict(argv, spec.options);
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  const [missing] = spec.positionals.slice(parsed.positionals.length);
  if (missing !== undefined) throw new UsageError(`missing argument <${missing}>`);
  const [extra] = parsed.positionals.slice(spec.positionals.length);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const positionals = Object.fromEntries(spec.positionals.map((name, index) => [name, parsed.positionals[index]])) as Record<
    P[number],
    string
  >;
  return { values: parsed.values, positionals };
}

/** True when `--help` or `-h` comes before a `--` separator. */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** A positive integer option (`--interval 250`); undefined when the option is absent. */
export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed <= 0) {
    throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  }
  return parsed;
}

/** A positive number option (`--hours 0.5`); undefined when the option is absent. */
export function positiveNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) {
    throw new UsageError(`${flag} must be a positive number, got "${value}"`);
  }
  return parsed;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A positional that must be a UUID (a run id). */
export function uuidArgument(name: string, value: string): string {
  if (!isUuid(value)) throw new UsageError(`<${name}> must be a UUID, got "${value}"`);
  return value.toLowerCase();
}

/** One of a closed set of values, case-insensitive (`--level warn`). */
export function oneOf<const T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const match = allowed.find((candidate) => candidate.toLowerCase() === value.toLowerCase());
  if (!match) throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"`);
  return match;
}

/**
 * A JSON object given inline (`'{"n":1}'`) or read from a file (`@input.json`); a file that cannot
 * be read or text that is not a JSON object is a usage error naming the flag.
 */
export async function jsonObjectOption(flag: string, value: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (value === undefined) return undefined;
  let text = value;
  let source = 'the value';
  if (value.startsWith('@')) {
    const file = value.slice(1);
    if (!file) throw new UsageError(`${flag} @<file> needs a file name after "@"`);
    source = `file "${file}"`;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      throw new UsageError(`${flag}: cannot read ${source}: ${reason}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${source} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${flag}: ${source} must be a JSON object, e.g. '{"orderId": 42}'`);
  }
  return parsed as Record<string, unknown>;
}

function parseStrict<O extends OptionsConfig>(argv: string[], options: O) {
  return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
}

/** node's messages, shortened to the part that names the argument. */
function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1];
    return option ? `unknown option ${option}` : message;
  }
  return message.split('\n')[0] ?? message;
}
