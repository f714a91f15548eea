import path from 'node:path';
import { build } from 'vite';

/**
 * The console's single-page app (apps/console/src/web), built by Vite into apps/console/dist/public,
 * which the console's server serves. Run after the bundles: building the server's bundle empties dist/.
 */
export async function buildConsoleApp(root: string): Promise<string> {
  await build({ configFile: path.join(root, 'apps/console/vite.config.ts'), logLevel: 'warn' });
  return 'apps/console/dist/public';
}
