import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Integration files each use their own database schema and queue prefix, so files may run in parallel.
    pool: 'forks',
  },
});
