import { defineConfig } from 'vitest/config';

const sourceFiles = (suffix: string) => [`apps/*/src/**/*.${suffix}`, `packages/*/src/**/*.${suffix}`, `tests/**/*.${suffix}`];

// Unit tests need no services; integration tests (*.int.test.ts) get the migrated template
// database and the service URLs from the global setup.
export default defineConfig({
  resolve: { conditions: ['conveyor-source'] },
  test: {
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: sourceFiles('test.ts'), exclude: sourceFiles('int.test.ts') },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: sourceFiles('int.test.ts'),
          globalSetup: ['./packages/testing/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
    pool: 'forks',
  },
});
