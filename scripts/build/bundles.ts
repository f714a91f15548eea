import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

/**
 * What `npm run build` produces: one runnable ES module per process, with its source map. Each app's
 * bundle holds the workspace packages (`@conveyor/*`, whose `exports` point at TypeScript sources,
 * and the Prisma client generated into packages/db/src) and leaves every npm package external, to be
 * loaded from node_modules as under tsx. The migrate job is built into the root's dist/, one level
 * below the root like scripts/, so its `../prisma/migrations` resolves the same from either place.
 */
export const bundles: readonly Bundle[] = [
  { dir: 'apps/api', entries: ['src/main.ts'] },
  // The expression processes the worker forks (expression-pool.ts finds the built one next to main.js).
  { dir: 'apps/worker', entries: ['src/main.ts', 'src/expressions/expression-child.ts'] },
  { dir: 'apps/board', entries: ['src/main.ts'] },
  { dir: 'apps/console', entries: ['src/main.ts'] },
  { dir: 'apps/cli', entries: ['src/main.ts'] },
  { dir: '.', entries: ['scripts/migrate.ts'] },
];

/**
 * Builds every bundle into `<bundle dir>/<outName>/<entry name>.js` (tests build into another
 * `outName` so they never replace files a running process may still load). Returns the files written.
 */
export async function buildBundles(root: string, outName = 'dist'): Promise<string[]> {
  await assertHoisted(root);
  const built = await Promise.all(bundles.map((bundle) => buildBundle(root, bundle, outName)));
  return built.flat();
}

/** The output file of one entry, relative to the root: `apps/worker/dist/expression-child.js`. */
export function outputOf(bundle: Bundle, entry: string, outName = 'dist'): string {
  return path.posix.join(bundle.dir, outName, `${path.posix.basename(entry, '.ts')}.js`);
}

async function buildBundle(root: string, bundle: Bundle, outName: string): Promise<string[]> {
  const outdir = path.join(root, bundle.dir, outName);
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: bundle.entries.map((entry) => path.join(root, bundle.dir, entry)),
    outdir,
    entryNames: '[name]',
    // Shared code and the cli's lazily imported commands become chunks next to the entries.
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // Error and class names stay as written (logs and `error.name` checks read them).
    keepNames: true,
    plugins: [npmPackagesExternal],
    logLevel: 'warning',
    metafile: true,
  });
  return Object.keys(result.metafile.outputs).map((file) => path.relative(root, path.resolve(root, file)));
}

/**
 * A bundle resolves its npm packages from its own dist/ upwards, so it finds the root node_modules
 * but not a copy npm nested under one workspace (packages/db/node_modules/x, for a version conflict)
 * that the package's source would have found under tsx. The lockfile says whether there is one.
 */
async function assertHoisted(root: string): Promise<void> {
  const lock = JSON.parse(await readFile(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  const nested = Object.keys(lock.packages).filter((key) => /^(apps|packages)\/[^/]+\/node_modules\//.test(key));
  if (nested.length > 0)
    throw new Error(`npm packages nested under a workspace would be missed by the bundles: ${nested.join(', ')}`);
}

/** Bare imports other than `@conveyor/*` stay imports, resolved from node_modules at run time. */
const npmPackagesExternal: Plugin = {
  name: 'npm-packages-external',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('@conveyor/') ? undefined : { path: args.path, external: true },
    );
  },
};

export interface Bundle {
  /** The package directory, relative to the repository root; the bundle goes to its `dist/`. */
  dir: string;
  /** Entry files, relative to `dir`; each becomes `dist/<basename>.js`. */
  entries: readonly string[];
}
