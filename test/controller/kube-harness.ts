// What the controller tests against the real API server share: kubectl on the suite's control
// plane (or one of their own), the CRD applied and established, a namespace per test, and the
// real `passthru controller` as a child process whose JSON log the tests follow.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { inject } from 'vitest';
import { run, type RunResult } from '../envtest/exec.ts';
import { CLI, REPO, runNode, type LogLine, type Running } from '../helpers/cli.ts';
import { request } from '../helpers/plane.ts';

export interface Kube {
  kubeconfig: string;
  kubectl(args: readonly string[], input?: string): Promise<RunResult>;
}

/** The suite's shared control plane (test/envtest/global-setup.ts). */
export function sharedKube(): Kube {
  const kubeconfig = inject('kubeconfig');
  const { kubectl } = inject('envtest');
  return { kubeconfig, kubectl: (args, input) => run(kubectl, [`--kubeconfig=${kubeconfig}`, ...args], { input, cwd: REPO }) };
}

export async function kubectlOk(kube: Kube, args: readonly string[], input?: string): Promise<string> {
  const r = await kube.kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** `kubectl apply -f crds/` and wait until established; several test files may race to do it. */
export async function installCrds(kube: Kube): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const r = await kube.kubectl(['apply', '--server-side', '--force-conflicts', '-f', 'crds/']);
    if (r.code === 0) break;
    if (attempt >= 4) throw new Error(`kubectl apply -f crds/: ${r.stderr}`);
  }
  await kubectlOk(kube, ['wait', '--for=condition=established', '--timeout=60s', 'crd/reverseproxytargets.passthru.dev']);
}

export async function newNamespace(kube: Kube, prefix: string): Promise<string> {
  const ns = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubectlOk(kube, ['create', 'namespace', ns]);
  return ns;
}

export async function applyYaml(kube: Kube, yaml: string): Promise<void> {
  await kubectlOk(kube, ['apply', '-f', '-'], yaml);
}

export interface ControllerProcess extends Running {
  /** Resolves with the next log line after this call that `match` accepts. */
  nextLog(match: (l: LogLine) => boolean, what?: string): Promise<LogLine>;
}

/** `passthru controller` on loopback port 0; resolves once it is ready (caches synced, table applied). */
export async function startController(kubeconfig: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ControllerProcess> {
  const running = await runNode(
    [CLI, 'controller', '--kubeconfig', kubeconfig, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--drain-timeout', '2s', ...args],
    env,
  );
  const listening = await running.waitForLog((l) => l.msg === 'listening', 'listening');
  running.port = (listening['traffic'] as { port: number }).port;
  running.adminPort = (listening['admin'] as { port: number }).port;
  await running.waitForLog((l) => l.msg === 'controller ready', 'controller ready');
  const nextLog = (match: (l: LogLine) => boolean, what?: string): Promise<LogLine> => {
    const from = running.logs.length;
    return running.waitForLog((l) => running.logs.indexOf(l) >= from && match(l), what);
  };
  return Object.assign(running, { nextLog });
}

/**
 * The API server refuses loopback addresses in EndpointSlices, so upstreams behind a Service
 * listen on this machine's own non-loopback address.
 */
export function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('no non-loopback IPv4 address on this machine: EndpointSlice tests need one');
}

/** An upstream answering its name, on hostAddress(). */
export async function startHostUpstream(name: string): Promise<{ name: string; host: string; port: number; close(): Promise<void> }> {
  const host = hostAddress();
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(name);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    name,
    host,
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export function rpt(namespace: string, name: string, spec: string, annotations = ''): string {
  return `apiVersion: passthru.dev/v1alpha1
kind: ReverseProxyTarget
metadata:
  name: ${name}
  namespace: ${namespace}
${annotations ? `  annotations:\n${annotations}\n` : ''}spec:
${spec}`;
}

export interface RptStatus {
  observedGeneration?: number;
  conditions?: Array<{ type: string; status: string; reason: string; message: string; lastTransitionTime: string; observedGeneration?: number }>;
  servers?: Array<{ host: string; port: number; route: string; state: string; since: string }>;
  healthyServers?: number;
  serverSummary?: string;
}

export async function getRpt(kube: Kube, namespace: string, name: string): Promise<{ metadata: { generation: number; resourceVersion: string; managedFields?: unknown[] }; status?: RptStatus }> {
  return JSON.parse(await kubectlOk(kube, ['get', 'rpt', '-n', namespace, name, '-o', 'json'])) as never;
}

export function condition(status: RptStatus | undefined, type: string): NonNullable<RptStatus['conditions']>[number] | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export { eventually } from '../helpers/eventually.ts';

/** GET through the proxy with a Host header; never throws (0 means no answer). */
export async function proxyGet(port: number, path: string, host = 'app.test'): Promise<{ status: number; body: string }> {
  try {
    const res = await request(port, { path, host });
    return { status: res.status, body: res.body };
  } catch {
    return { status: 0, body: '' };
  }
}
