import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Three projects: engine unit tests (plain Node, in-memory sources allowed), integration tests that
// talk to a real Samba started by the harness, and renderer tests in happy-dom.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'engine',
          environment: 'node',
          include: ['shared/**/*.test.ts', 'electron/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['**/*.samba.test.ts', 'node_modules/**'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'samba',
          environment: 'node',
          include: ['electron/**/*.samba.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [react()],
        test: {
          name: 'renderer',
          environment: 'happy-dom',
          include: ['renderer/**/*.test.ts', 'renderer/**/*.test.tsx'],
          setupFiles: ['renderer/test/setup.ts'],
          testTimeout: 20_000,
        },
      },
    ],
  },
});
