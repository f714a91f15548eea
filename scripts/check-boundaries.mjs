// Part of `npm run lint`: the package manifests are the import rules (CONVENTIONS.md, boundary rules).
// - every `@conveyor/*` import in a workspace's src/ and test/ is one of its package.json dependencies
//   (tests may also use devDependencies and @conveyor/testing), so a new edge between packages is a
//   visible manifest change;
// - no package depends on an app, and no app depends on another app;
// - docs/architecture.md's boundary table is the manifests' graph (`--write` rewrites it).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const DOC = path.join(ROOT, 'docs', 'architecture.md');
const BEGIN = '<!-- boundaries:begin (scripts/check-boundaries.mjs --write) -->';
const END = '<!-- boundaries:end -->';

const workspaces = ['packages', 'apps'].flatMap((top) =>
  readdirSync(path.join(ROOT, top), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => readWorkspace(path.join(top, entry.name))),
);
const problems = [...workspaces.flatMap(importProblems), ...workspaces.flatMap(graphProblems)];
const table = renderTable(workspaces);
const doc = readFileSync(DOC, 'utf8');
const current = doc.slice(doc.indexOf(BEGIN) + BEGIN.length, doc.indexOf(END)).trim();
if (process.argv.includes('--write'))
  writeFileSync(DOC, doc.replace(/<!-- boundaries:begin[\s\S]*?<!-- boundaries:end -->/, `${BEGIN}\n${table}\n${END}`));
else if (current !== table)
  problems.push(
    'docs/architecture.md: the boundary table differs from the manifests (run node scripts/check-boundaries.mjs --write)',
  );

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  console.error(`[check-boundaries] ${problems.length} problem(s)`);
  process.exit(1);
}

function readWorkspace(dir) {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8'));
  const internal = (deps = {}) => Object.keys(deps).filter((name) => name.startsWith('@conveyor/'));
  return {
    dir,
    name: manifest.name,
    isApp: dir.startsWith('apps/'),
    deps: internal(manifest.dependencies),
    devDeps: internal(manifest.devDependencies),
  };
}

function importProblems(workspace) {
  return ['src', 'test'].flatMap((folder) =>
    filesUnder(path.join(workspace.dir, folder)).flatMap((file) => {
      const isTest = folder === 'test' || /\.test\.tsx?$/.test(file);
      // Any test may use the test harness: a manifest listing it would make a dependency cycle (testing needs db).
      const allowed = new Set([
        workspace.name,
        ...workspace.deps,
        ...(isTest ? [...workspace.devDeps, '@conveyor/testing'] : []),
      ]);
      const imported = [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(/from '(@conveyor\/[a-z-]+)'/g)].map((m) => m[1]);
      return imported
        .filter((name) => !allowed.has(name))
        .map((name) => `${file}: imports ${name}, which ${workspace.dir}/package.json does not list`);
    }),
  );
}

function graphProblems(workspace) {
  const apps = new Set(workspaces.filter((other) => other.isApp).map((other) => other.name));
  return [...workspace.deps, ...workspace.devDeps]
    .filter((name) => apps.has(name))
    .map(
      (name) =>
        `${workspace.dir}/package.json: depends on the app ${name} (${workspace.isApp ? 'apps never import each other' : 'packages never import apps'})`,
    );
}

function renderTable(list) {
  const rows = list.map(
    (w) =>
      `| \`${w.name.slice('@conveyor/'.length)}\` | ${
        w.deps
          .map((d) => d.slice('@conveyor/'.length))
          .sort()
          .join(', ') || '—'
      } |`,
  );
  return ['| package or app | may import (its package.json) |', '|---|---|', ...rows].join('\n');
}

function filesUnder(dir) {
  try {
    return readdirSync(path.join(ROOT, dir), { recursive: true })
      .map((file) => path.join(dir, String(file)))
      .filter((file) => /\.tsx?$/.test(file) && !file.includes('generated'));
  } catch {
    return [];
  }
}
