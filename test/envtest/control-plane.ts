// etcd + kube-apiserver on loopback with a throwaway PKI, started the way controller-runtime's
// envtest starts them (no kubelet, scheduler or controller-manager: nothing finalizes
// namespaces or creates EndpointSlices; tests do that themselves).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBinaries } from './binaries.ts';
import type { Binaries } from './binaries.ts';
import { run, tail } from './exec.ts';
import type { RunResult } from './exec.ts';
import { createPki } from './pki.ts';
import type { Pki } from './pki.ts';

export interface ControlPlaneOptions {
  /** Default: getBinaries() (which may build them). */
  binaries?: Binaries;
  /** Working directory (etcd data, certs, logs). Default: a fresh temp dir, removed by stop(). */
  dir?: string;
  /** Let the processes outlive this one (the CLI's `start`); no exit hooks are installed. */
  detached?: boolean;
  /** Default: none when the machine has a default route, else a local non-loopback IPv4. */
  advertiseAddress?: string;
  extraApiServerFlags?: readonly string[];
  /** Per process, for etcd /health and apiserver /readyz. Default 120 s (two busy cores). */
  startTimeoutMs?: number;
}

export interface ControlPlane {
  /** Self-contained (certs embedded): safe to copy elsewhere. */
  kubeconfigPath: string;
  /** https://127.0.0.1:PORT */
  server: string;
  dir: string;
  binaries: Binaries;
  logs: { etcd: string; apiserver: string };
  pids(): { etcd: number | undefined; apiserver: number | undefined };
  kubectl(args: readonly string[], opts?: { input?: string }): Promise<RunResult>;
  /** Stops only the API server; etcd (and so all objects) stays. */
  stopApiServer(): Promise<void>;
  /** Starts the API server again on the same etcd, port and certificates. */
  startApiServer(): Promise<void>;
  stop(): Promise<void>;
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binaries = opts.binaries ?? (await getBinaries());
  const ownDir = !opts.dir;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'passthru-envtest-')));
  const timeout = opts.startTimeoutMs ?? 120_000;
  const detached = opts.detached ?? false;
  const advertise = opts.advertiseAddress ?? (hasDefaultRoute() ? undefined : localAddress());

  await mkdir(join(dir, 'pki'), { recursive: true });
  const pki = await createPki(join(dir, 'pki'), advertise && advertise !== '127.0.0.1' ? [advertise] : []);
  const [etcdPort, peerPort, apiPort] = await freePorts(3);
  const server = `https://127.0.0.1:${apiPort}`;
  const logs = { etcd: join(dir, 'etcd.log'), apiserver: join(dir, 'kube-apiserver.log') };
  const kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, await kubeconfig(server, pki), { mode: 0o600 });

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const etcdArgs = [
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
    '--unsafe-no-fsync',
  ];
  const apiArgs = [
    `--etcd-servers=${etcdUrl}`,
    `--cert-dir=${pki.dir}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--secure-port=${apiPort}`,
    '--bind-address=127.0.0.1',
    ...(advertise ? [`--advertise-address=${advertise}`] : []),
    `--client-ca-file=${pki.caCert}`,
    `--service-account-issuer=${server}/`,
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=RBAC',
    '--disable-admission-plugins=ServiceAccount',
    '--allow-privileged=true',
    ...(opts.extraApiServerFlags ?? []),
  ];

  let etcd: ChildProcess | undefined;
  let apiserver: ChildProcess | undefined;
  const killAll = () => {
    for (const p of [apiserver, etcd]) if (p?.pid && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  };
  // 'exit' handlers must be synchronous: kill and remove what we made, without waiting.
  const onExit = () => {
    killAll();
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    onExit();
    // Re-raise only if nobody else handles it, so our hook doesn't swallow Ctrl-C.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  if (!detached) {
    process.on('exit', onExit);
    for (const s of signals) process.once(s, onSignal);
  }
  const unhook = () => {
    process.off('exit', onExit);
    for (const s of signals) process.off(s, onSignal);
  };

  const launch = (bin: string, args: readonly string[], log: string): ChildProcess => {
    const fd = openSync(log, 'a');
    try {
      const child = spawn(bin, args, { stdio: ['ignore', fd, fd], detached, cwd: dir });
      child.on('error', () => {}); // surfaces as an early exit in waitReady
      if (detached) child.unref();
      return child;
    } finally {
      closeSync(fd);
    }
  };

  const tlsOpts = {
    ca: await readFile(pki.caCert),
    cert: await readFile(pki.adminCert),
    key: await readFile(pki.adminKey),
  };
  const startApiServer = async () => {
    if (apiserver && apiserver.exitCode === null && apiserver.signalCode === null) return;
    apiserver = launch(binaries.kubeApiserver, apiArgs, logs.apiserver);
    await waitReady('kube-apiserver', apiserver, logs.apiserver, timeout, () => httpsOk(`${server}/readyz`, tlsOpts));
  };
  const stopApiServer = async () => {
    await terminate(apiserver);
    apiserver = undefined;
  };

  try {
    etcd = launch(binaries.etcd, etcdArgs, logs.etcd);
    await waitReady('etcd', etcd, logs.etcd, timeout, () => httpOk(`${etcdUrl}/health`));
    await startApiServer();
  } catch (e) {
    killAll();
    unhook();
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw e;
  }

  return {
    kubeconfigPath,
    server,
    dir,
    binaries,
    logs,
    pids: () => ({ etcd: etcd?.pid, apiserver: apiserver?.pid }),
    kubectl: (args, o = {}) =>
      run(binaries.kubectl, [`--kubeconfig=${kubeconfigPath}`, ...args], { input: o.input }),
    stopApiServer,
    startApiServer,
    stop: async () => {
      await terminate(apiserver);
      await terminate(etcd);
      unhook();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitReady(
  name: string,
  child: ChildProcess,
  log: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
      throw new Error(`${name} exited during startup (${child.exitCode ?? child.signalCode ?? 'spawn failed'}); ${logTail(log)}`);
    }
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} not ready after ${timeoutMs / 1000} s; ${logTail(log)}`);
}

function logTail(log: string): string {
  const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
  return `last lines of ${log}:\n${tail(text, 30)}`;
}

/** SIGTERM, then SIGKILL if it hasn't exited within 10 s. */
export async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

function httpOk(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.ok,
    () => false,
  );
}

function httpsOk(url: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { ...tls, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function freePorts(n: number): Promise<number[]> {
  // Hold all listeners open until every port is known, so we don't get the same one twice.
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** kube-apiserver picks its advertise address from the default route and fails without one. */
function hasDefaultRoute(): boolean {
  const table = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
  const v4 = table('/proc/net/route');
  const v6 = table('/proc/net/ipv6_route');
  if (v4 === undefined && v6 === undefined) return true; // not Linux: let the apiserver decide
  if (v4?.split('\n').slice(1).some((l) => l.split(/\s+/)[1] === '00000000')) return true;
  return v6?.split('\n').some((l) => /^0{32} 00 /.test(l) && !/ lo$/.test(l.trim())) ?? false;
}

function localAddress(): string {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

async function kubeconfig(server: string, pki: Pki): Promise<string> {
  const b64 = async (path: string) => (await readFile(path)).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: envtest',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${await b64(pki.caCert)}`,
    'users:',
    '- name: envtest-admin',
    '  user:',
    `    client-certificate-data: ${await b64(pki.adminCert)}`,
    `    client-key-data: ${await b64(pki.adminKey)}`,
    'contexts:',
    '- name: envtest',
    '  context:',
    '    cluster: envtest',
    '    user: envtest-admin',
    '    namespace: default',
    'current-context: envtest',
    '',
  ].join('\n');
}
