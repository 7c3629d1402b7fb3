// Runs the hardening suite, including the files named *.pending.ts (tests that fail until a proposed
// fix lands; the normal projects in vitest.config.ts do not pick them up). Used by the long-run scripts
// here and by hand:  npx vitest run --config scripts/hardening/vitest.config.mts [file filter]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export default defineConfig({
  test: {
    root,
    environment: 'node',
    include: ['electron/testing/hardening/**/*.test.ts', 'electron/testing/hardening/**/*.pending.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
