/**
 * `npm run build`: compiles the apps to JavaScript for production (`node apps/<app>/dist/main.js`).
 * esbuild, directly: it bundles the workspace packages from their TypeScript sources in about a
 * second, where tsc project references would need every package to emit and export its dist, and
 * tsup would only wrap the same esbuild call. Type checking stays `npm run typecheck` (tsc --noEmit).
 * One pass from the root rather than a turbo `build` task per app: the packages have no build of
 * their own, so each app's task would have to declare every package source it bundles as an input
 * for turbo's cache to notice a change, for a build that takes a second anyway.
 */
import path from 'node:path';
import { buildBundles } from './build/bundles';
import { buildConsoleApp } from './build/console-app';

const root = path.resolve(import.meta.dirname, '..');
const started = performance.now();
const files = await buildBundles(root);
const entries = files.filter((file) => !file.endsWith('.map') && !path.basename(file).startsWith('chunk-'));
entries.push(await buildConsoleApp(root));
console.log(`[build] ${entries.join(', ')} (+ chunks and source maps) in ${Math.round(performance.now() - started)} ms`);
