// Where the controller finds its cluster: --kubeconfig (or PASSTHRU_KUBECONFIG), then
// KUBECONFIG, then the pod's service account, then ~/.kube/config. In a pod the service
// account comes before a home-directory file, which there is only ever a leftover.
import { existsSync, readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export class KubeConfigError extends Error {
  readonly code = 'PASSTHRU_KUBECONFIG';
}

export interface KubeConfigSource {
  config: KubeConfig;
  /** What was loaded, for the startup log: a path or "in-cluster". */
  from: string;
  /** The namespace the process runs in (service account) or the context's; used for the Lease. */
  namespace: string;
}

export interface LoadOptions {
  kubeconfig?: string;
  env?: NodeJS.ProcessEnv;
  /** Prefixed to the service-account mount; tests point it into a temp dir. */
  pathPrefix?: string;
  home?: string;
}

export function loadKubeConfig(opts: LoadOptions = {}): KubeConfigSource {
  const env = opts.env ?? process.env;
  const prefix = opts.pathPrefix ?? '';
  const saDir = prefix + SERVICE_ACCOUNT_DIR;
  const fromFiles = (files: string[], what: string): KubeConfigSource => {
    const config = new KubeConfig();
    for (const [i, file] of files.entries()) {
      if (!existsSync(file)) throw new KubeConfigError(`${what}: ${file} does not exist`);
      try {
        if (i === 0) config.loadFromFile(file);
        else {
          const more = new KubeConfig();
          more.loadFromFile(file);
          config.mergeConfig(more);
        }
      } catch (err) {
        throw new KubeConfigError(`${what}: cannot load ${file}: ${(err as Error).message}`);
      }
    }
    if (!config.getCurrentCluster()) throw new KubeConfigError(`${what}: ${files.join(delimiter)} has no current context with a cluster`);
    const namespace = config.getContextObject(config.getCurrentContext())?.namespace || 'default';
    return { config, from: files.join(delimiter), namespace };
  };

  if (opts.kubeconfig) return fromFiles([opts.kubeconfig], '--kubeconfig');
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (list.length > 0) return fromFiles(list, 'KUBECONFIG');
  if (env.KUBERNETES_SERVICE_HOST && existsSync(join(saDir, 'token'))) {
    // As client-node's loadFromCluster, but from the environment we were given.
    const host = env.KUBERNETES_SERVICE_HOST;
    const config = new KubeConfig();
    config.loadFromClusterAndUser(
      {
        name: 'inCluster',
        server: `https://${isIPv6(host) ? `[${host}]` : host}:${env.KUBERNETES_SERVICE_PORT || '443'}`,
        caFile: join(saDir, 'ca.crt'),
        skipTLSVerify: false,
      },
      { name: 'inClusterUser', authProvider: { name: 'tokenFile', config: { tokenFile: join(saDir, 'token') } } },
    );
    const nsFile = join(saDir, 'namespace');
    const namespace = existsSync(nsFile) ? readFileSync(nsFile, 'utf8').trim() || 'default' : 'default';
    return { config, from: 'in-cluster', namespace };
  }
  const home = join(opts.home ?? env.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFiles([home], '~/.kube/config');
  throw new KubeConfigError(
    'no cluster to talk to: give --kubeconfig FILE, set KUBECONFIG, or run in a pod with a service account ' +
      '(to try passthru without a cluster: npm run envtest -- start)',
  );
}
