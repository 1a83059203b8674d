// vitest globalSetup: ONE etcd + kube-apiserver per run for the Kubernetes test project, torn
// down at the end. Tests read it with `inject('kubeconfig')` (and `inject('envtest')` for the
// server URL, the version and the kubectl binary). To wire it in, vitest.config.ts becomes:
//
//   test: {
//     ...shared options (testTimeout, hookTimeout, pool, reporters) stay at the root...
//     projects: [
//       { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: ['test/kube/**'] } },
//       {
//         extends: true,
//         test: { name: 'kube', include: ['test/kube/**/*.test.ts'], globalSetup: ['test/envtest/global-setup.ts'] },
//       },
//     ],
//   },
//
// (test/envtest/vitest.kube.config.ts is the same thing as a standalone config.)
//
// globalSetup has no timeout, so a cold machine builds the binaries here (10-20 min, progress on
// stderr); with no cache and no Go it fails with getBinaries' message on what to do. A test
// that must stop the API server (stopApiServer/startApiServer) should start its own control
// plane with startControlPlane(): the shared one serves test files running in parallel.
import type { TestProject } from 'vitest/node';
import { startControlPlane } from './control-plane.ts';

export interface EnvtestInfo {
  server: string;
  /** kube-apiserver's gitVersion, e.g. "v1.36.4". */
  version: string;
  kubectl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    envtest: EnvtestInfo;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const cp = await startControlPlane();
  process.stderr.write(`envtest: ${cp.binaries.version} ready at ${cp.server} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  project.provide('kubeconfig', cp.kubeconfigPath);
  project.provide('envtest', { server: cp.server, version: cp.binaries.version, kubectl: cp.binaries.kubectl });
  // For processes the tests spawn (the controller under test, kubectl, helm).
  process.env.PASSTHRU_ENVTEST_KUBECONFIG = cp.kubeconfigPath;
  return () => cp.stop();
}
