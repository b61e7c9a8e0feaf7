import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Unit tests import core's sources, which pick their crypto backend through package.json
    // "imports"; point that at the Node backend's source so tests never run a stale build.
    alias: {
      '#crypto': fileURLToPath(new URL('./packages/core/src/verify/crypto/node.ts', import.meta.url)),
      '#node-body': fileURLToPath(new URL('./packages/core/src/exchange/read-node-stream.ts', import.meta.url)),
    },
  },
  test: {
    // examples/testing/vitest is the vitest sample of docs/testing.md; its node:test and jest
    // siblings run from test/testing/examples.test.ts.
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/testing/vitest/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/.next/**'],
    testTimeout: 30_000,
    hookTimeout: 180_000,
    typecheck: {
      enabled: true,
      include: ['packages/*/src/**/*.test-d.ts', 'test/**/*.test-d.ts'],
      tsconfig: './tsconfig.typetests.json',
    },
  },
});
