// Part of `npm run lint`: fails when a product source file is over MAX_LINES lines (CONVENTIONS.md §2:
// split by concern before a god file grows). Tests, generated code and node_modules are not counted.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const MAX_LINES = 400;
const ROOT = path.resolve(import.meta.dirname, '..');

const offenders = sourceFiles()
  .map((file) => ({ file, lines: lineCount(readFileSync(path.join(ROOT, file), 'utf8')) }))
  .filter(({ lines }) => lines > MAX_LINES);

if (offenders.length > 0) {
  for (const { file, lines } of offenders) console.error(`${file}: ${lines} lines (more than ${MAX_LINES})`);
  console.error(`[check-file-size] ${offenders.length} file(s) over ${MAX_LINES} lines: split them by concern`);
  process.exit(1);
}

/** `.ts`/`.tsx` files under apps/*\/src, packages/*\/src, scripts, bench and chaos, relative to the root, sorted. */
function sourceFiles() {
  const roots = [...workspaceSources('apps'), ...workspaceSources('packages'), 'scripts', 'bench', 'chaos'];
  return roots
    .flatMap((root) => readdirSync(path.join(ROOT, root), { recursive: true }).map((file) => path.join(root, String(file))))
    .filter(isCounted)
    .sort();
}

function workspaceSources(dir) {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && hasDirectory(path.join(dir, entry.name, 'src')))
    .map((entry) => path.join(dir, entry.name, 'src'));
}

function hasDirectory(dir) {
  try {
    readdirSync(path.join(ROOT, dir));
    return true;
  } catch {
    return false;
  }
}

function isCounted(file) {
  const parts = file.split(path.sep);
  if (parts.includes('node_modules') || parts.includes('generated')) return false;
  return /\.tsx?$/.test(file) && !file.endsWith('.test.ts');
}

function lineCount(text) {
  const lines = text.split('\n').length;
  return text.endsWith('\n') ? lines - 1 : lines;
}
