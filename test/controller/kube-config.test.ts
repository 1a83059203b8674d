import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeConfigError, loadKubeConfig, SERVICE_ACCOUNT_DIR } from '../../src/kube/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'passthru-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(name: string, server: string, namespace?: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "${server}"}}]`,
      'users: [{name: u, user: {token: t}}]',
      `contexts: [{name: x, context: {cluster: c, user: u${namespace ? `, namespace: ${namespace}` : ''}}}]`,
      'current-context: x',
      '',
    ].join('\n'),
  );
  return file;
}

const inCluster = join(dir, 'pod');
mkdirSync(join(inCluster, SERVICE_ACCOUNT_DIR), { recursive: true });
writeFileSync(join(inCluster, SERVICE_ACCOUNT_DIR, 'token'), 'sa-token');
writeFileSync(join(inCluster, SERVICE_ACCOUNT_DIR, 'ca.crt'), '');
writeFileSync(join(inCluster, SERVICE_ACCOUNT_DIR, 'namespace'), 'ingress\n');
const podEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
const emptyHome = join(dir, 'home');

describe('finding the cluster', () => {
  it('uses --kubeconfig first, with the context namespace', () => {
    const file = kubeconfig('flag', 'https://flag:6443', 'team-a');
    const env = { KUBECONFIG: kubeconfig('env', 'https://env:6443'), ...podEnv };
    const got = loadKubeConfig({ kubeconfig: file, env, pathPrefix: inCluster });
    expect([got.from, got.config.getCurrentCluster()?.server, got.namespace]).toEqual([file, 'https://flag:6443', 'team-a']);
  });

  it('then KUBECONFIG, before the service account', () => {
    const got = loadKubeConfig({ env: { KUBECONFIG: kubeconfig('env', 'https://env:6443'), ...podEnv }, pathPrefix: inCluster });
    expect([got.config.getCurrentCluster()?.server, got.namespace]).toEqual(['https://env:6443', 'default']);
  });

  it('then the pod service account, in the pod namespace', () => {
    const got = loadKubeConfig({ env: podEnv, pathPrefix: inCluster, home: emptyHome });
    expect([got.from, got.config.getCurrentCluster()?.server, got.namespace]).toEqual(['in-cluster', 'https://10.96.0.1:443', 'ingress']);
  });

  it('then ~/.kube/config', () => {
    const home = join(dir, 'user');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), readFileSync(kubeconfig('home-config', 'https://home:6443')));
    const got = loadKubeConfig({ env: {}, home, pathPrefix: join(dir, 'nowhere') });
    expect(got.config.getCurrentCluster()?.server).toBe('https://home:6443');
  });

  it('fails with a stable code and what to do when there is none', () => {
    let err: unknown;
    try {
      loadKubeConfig({ env: {}, home: emptyHome, pathPrefix: join(dir, 'nowhere') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeConfigError);
    expect((err as KubeConfigError).code).toBe('PASSTHRU_KUBECONFIG');
    expect((err as Error).message).toContain('npm run envtest -- start');
  });

  it('names a --kubeconfig file that does not exist', () => {
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'missing'), env: {} })).toThrow(/--kubeconfig: .*missing does not exist/);
  });
});
