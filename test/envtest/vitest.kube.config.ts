// The Kubernetes suite on its own: `npx vitest run --config test/envtest/vitest.kube.config.ts`.
// Same shape as the 'kube' project global-setup.ts suggests for vitest.config.ts.
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: resolve(import.meta.dirname, '..', '..'),
    name: 'kube',
    include: ['test/kube/**/*.test.ts'],
    globalSetup: ['test/envtest/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
