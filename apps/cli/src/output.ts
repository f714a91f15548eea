/**
 * Where a command's output goes. With `--json`, stdout carries JSON only — one document per
 * `json()` call, one per line — and everything meant for people goes to stderr; without it,
 * `text()` prints to stdout.
 */
export function createOutput({
  json,
  stdout = process.stdout,
  stderr = process.stderr,
}: {
  json: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}): Output {
  return {
    json,
    isTty: Boolean(stdout.isTTY),
    // A pseudo-terminal without a size reports 0 columns.
    columns: stdout.columns || 100,
    data(value) {
      stdout.write(`${JSON.stringify(value)}\n`);
    },
    text(...lines) {
      stdout.write(`${lines.join('\n')}\n`);
    },
    raw(chunk) {
      stdout.write(chunk);
    },
    note(line) {
      stderr.write(`${line}\n`);
    },
  };
}

/** Left-aligned columns separated by two spaces; numbers are right-aligned. */
export function table(header: string[], rows: (string | number)[][]): string[] {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number'));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  return cells.map((row) =>
    row
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** `[██████░░░░░░] 3/5` */
export function progressBar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(ratio * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total}`;
}

/** `850 ms`, `12.3 s`, `4m 05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m ${String(Math.floor((ms % 60_000) / 1_000)).padStart(2, '0')}s`;
}

/** ANSI: move the cursor up `lines` lines and clear to the end of the screen. */
export function eraseLines(lines: number): string {
  return lines > 0 ? `\x1b[${lines}A\x1b[0J` : '';
}

export interface Output {
  /** `--json` was given: stdout carries JSON only. */
  readonly json: boolean;
  /** stdout is a terminal (redrawing is possible). */
  readonly isTty: boolean;
  readonly columns: number;
  /** One JSON document on one line of stdout. */
  data(value: unknown): void;
  /** Lines for people, on stdout. */
  text(...lines: string[]): void;
  /** Raw text on stdout (terminal control sequences included). */
  raw(chunk: string): void;
  /** A line for people on stderr: hints, progress, anything a script must not parse. */
  note(line: string): void;
}
