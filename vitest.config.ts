import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'examples/**/node_modules/**'],
    // End-to-end tests start real servers and child processes; two cores are all we have.
    maxWorkers: 2,
    // End-to-end certify runs wait through their phases (about 40 s with the test timings).
    testTimeout: 120_000,
    hookTimeout: 30_000,
  },
});
