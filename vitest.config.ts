import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration tests start real processes and sockets; a slow CI machine must not fail them.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/kube/**'] } },
      {
        // One real etcd + kube-apiserver for the whole Kubernetes suite (test/envtest).
        extends: true,
        test: { name: 'kube', include: ['test/kube/**/*.test.ts'], globalSetup: ['test/envtest/global-setup.ts'] },
      },
    ],
  },
});
