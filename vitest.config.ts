import { defineConfig } from 'vitest/config';

// Integration tests start real nats-server processes; the machine has 2 cores, so test files
// run in forked processes with limited parallelism and generous timeouts.
export default defineConfig({
  test: {
    globals: true,
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'cdktf.out/**', 'dist/**', '.scratch/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
