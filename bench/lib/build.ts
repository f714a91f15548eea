import { repoRoot } from '@conveyor/testing';
import { buildBundles } from '../../scripts/build/bundles';

let built: Promise<unknown> | undefined;

/**
 * The production build of the current source (`npm run build`'s code), once per bench process: the
 * apps the bench starts from `dist/` run exactly the code being measured, never a stale build.
 */
export function ensureBuilt(): Promise<unknown> {
  built ??= buildBundles(repoRoot);
  return built;
}
