// Smoke test for the envtest control plane: the pinned version answers, the typed client works
// against it, and CRDs get established (the apiextensions controllers run inside the apiserver).
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KUBERNETES_VERSION } from '../envtest/binaries.ts';
import { startControlPlane } from '../envtest/control-plane.ts';
import type { ControlPlane } from '../envtest/control-plane.ts';
import { run } from '../envtest/exec.ts';
import type { RunResult } from '../envtest/exec.ts';

let kubeconfig: string;
let version: string;
let kubectl: (args: string[], input?: string) => Promise<RunResult>;
let own: ControlPlane | undefined;

beforeAll(async () => {
  // Under the 'kube' project the globalSetup provides one shared control plane; run through a
  // config without it, this file starts its own so it still passes on its own.
  const provided = inject('kubeconfig') as string | undefined;
  if (provided) {
    const info = inject('envtest');
    kubeconfig = provided;
    version = info.version;
    kubectl = (args, input) => run(info.kubectl, [`--kubeconfig=${kubeconfig}`, ...args], { input });
  } else {
    own = await startControlPlane();
    kubeconfig = own.kubeconfigPath;
    version = own.binaries.version;
    const cp = own;
    kubectl = (args, input) => cp.kubectl(args, { input });
  }
}, 30 * 60_000); // may have to build the binaries on a cold machine

afterAll(async () => {
  await own?.stop();
});

const usingOverrides = ['KUBEBUILDER_ASSETS', 'TEST_ASSET_KUBE_APISERVER'].some((v) => process.env[v]);

describe('envtest control plane', () => {
  it('reports the pinned Kubernetes version', async () => {
    const r = await kubectl(['version', '-o', 'json']);
    expect(r.stderr).toBe('');
    const v = JSON.parse(r.stdout) as { serverVersion: { gitVersion: string }; clientVersion: { gitVersion: string } };
    expect(v.serverVersion.gitVersion).toBe(version);
    if (!usingOverrides) {
      expect(v.serverVersion.gitVersion).toBe(`v${KUBERNETES_VERSION}`);
      expect(v.clientVersion.gitVersion).toBe(`v${KUBERNETES_VERSION}`);
    }
  });

  it('stores and returns a ConfigMap through @kubernetes/client-node', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const namespace = `smoke-${randomBytes(4).toString('hex')}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'greeting' }, data: { hello: 'world' } },
    });
    const cm = await core.readNamespacedConfigMap({ name: 'greeting', namespace });
    expect(cm.data).toEqual({ hello: 'world' });
    expect(cm.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('establishes a CRD and serves its resources', async () => {
    const group = `smoke${randomBytes(3).toString('hex')}.passthru.test`;
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `widgets.${group}` },
      spec: {
        group,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
              },
            },
          },
        ],
      },
    };
    const applied = await kubectl(['apply', '-f', '-'], JSON.stringify(crd));
    expect(applied.stderr).toBe('');
    const waited = await kubectl(['wait', '--for=condition=established', '--timeout=60s', `crd/widgets.${group}`]);
    expect(waited.code, waited.stderr).toBe(0);

    const widget = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { size: 3 } };
    expect((await kubectl(['create', '-f', '-'], JSON.stringify(widget))).code).toBe(0);
    const got = await kubectl(['get', `widgets.${group}`, 'w', '-n', 'default', '-o', 'jsonpath={.spec.size}']);
    expect(got.stdout).toBe('3');
    expect((await kubectl(['delete', 'crd', `widgets.${group}`, '--wait=true'])).code).toBe(0);
  });
});
