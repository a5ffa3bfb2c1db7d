import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'examples/**/node_modules/**'],
    // End-to-end tests start real servers and child processes; two cores are all we have.
    maxWorkers: 2,
    // Concurrent certify runs per file: five beside another file's five overloaded two cores
    // (phase timings then miss by a fraction of a second); four still let CI's Node 24 run
    // judge a backoff without jitter as jittered (waits 5 % apart by load alone); three.
    maxConcurrency: 3,
    // End-to-end certify runs wait through their phases (about 40 s with the test timings).
    testTimeout: 120_000,
    hookTimeout: 30_000,
  },
});
