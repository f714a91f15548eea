import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The single-page app (src/web) builds into dist/public, which the console's server (src/server)
// serves. `npx vite apps/console` serves it with hot reload, relaying /v1 to an api on :3000.
export default defineConfig({
  root: path.resolve(import.meta.dirname, 'src/web'),
  plugins: [react()],
  build: { outDir: path.resolve(import.meta.dirname, 'dist/public'), emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/v1': 'http://127.0.0.1:3000' } },
});
