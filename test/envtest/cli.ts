// npm run envtest -- build [--helm] | env | start | stop | status
// Progress goes to stderr and only the useful line to stdout, so
// `eval "$(npm run -s envtest -- start)"` works.
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { getBinaries } from './binaries.ts';
import { startControlPlane } from './control-plane.ts';

const root = resolve(import.meta.dirname, '..', '..');
const stateDir = join(root, '.envtest');
const statePath = join(stateDir, 'state.json');
const kubeconfigPath = join(stateDir, 'kubeconfig');

interface State {
  server: string;
  dir: string;
  version: string;
  startedAt: string;
  processes: { name: string; pid: number; bin: string; log: string }[];
}

const usage = `usage: npm run envtest -- <command>
  build [--helm]  obtain kube-apiserver, etcd, kubectl (and helm) and print their paths
  env             print KUBEBUILDER_ASSETS=... for the binaries
  start           start etcd + kube-apiserver in the background; writes .envtest/kubeconfig
  stop            stop what start started
  status          is it running, where, and the log files`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'build': {
      const b = await getBinaries({ helm: rest.includes('--helm') });
      const rows: [string, string | undefined][] = [
        ['kube-apiserver', b.kubeApiserver],
        ['etcd', b.etcd],
        ['kubectl', b.kubectl],
        ['helm', b.helm],
      ];
      for (const [name, path] of rows) if (path) console.log(`${name.padEnd(15)} ${path}`);
      console.log(`${'version'.padEnd(15)} ${b.version}`);
      return 0;
    }
    case 'env': {
      const b = await getBinaries();
      const dir = dirname(b.kubeApiserver);
      if (dirname(b.etcd) === dir && dirname(b.kubectl) === dir) {
        console.log(`KUBEBUILDER_ASSETS=${dir}`);
      } else {
        console.log(`TEST_ASSET_KUBE_APISERVER=${b.kubeApiserver}`);
        console.log(`TEST_ASSET_ETCD=${b.etcd}`);
        console.log(`TEST_ASSET_KUBECTL=${b.kubectl}`);
      }
      return 0;
    }
    case 'start':
      return start();
    case 'stop':
      return stop();
    case 'status':
      return status();
    default:
      console.error(usage);
      return cmd === undefined || cmd === '--help' || cmd === '-h' ? 0 : 2;
  }
}

async function start(): Promise<number> {
  const running = await readState();
  if (running && running.processes.every((p) => ours(p))) {
    console.error(`envtest: already running at ${running.server}`);
    console.log(`export KUBECONFIG=${kubeconfigPath}`);
    return 0;
  }
  if (running) await stop(); // half dead: clear it before starting afresh
  const started = Date.now();
  const b = await getBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'passthru-envtest-'));
  const cp = await startControlPlane({ binaries: b, dir, detached: true }).catch((e: unknown) => {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n(logs and certificates kept in ${dir})`);
  });
  const pids = cp.pids();
  await mkdir(stateDir, { recursive: true });
  await copyFile(cp.kubeconfigPath, kubeconfigPath);
  const state: State = {
    server: cp.server,
    dir,
    version: b.version,
    startedAt: new Date().toISOString(),
    processes: [
      { name: 'kube-apiserver', pid: pids.apiserver ?? 0, bin: b.kubeApiserver, log: cp.logs.apiserver },
      { name: 'etcd', pid: pids.etcd ?? 0, bin: b.etcd, log: cp.logs.etcd },
    ],
  };
  await writeFile(statePath, JSON.stringify(state, null, 2) + '\n');
  console.error(`envtest: kube-apiserver ${b.version} ready at ${cp.server} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.error(`envtest: logs in ${dir}; stop with \`npm run envtest -- stop\``);
  console.log(`export KUBECONFIG=${kubeconfigPath}`);
  return 0;
}

async function stop(): Promise<number> {
  const state = await readState();
  if (!state) {
    console.error('envtest: nothing running (no .envtest/state.json)');
    return 0;
  }
  for (const p of state.processes) {
    if (!ours(p)) continue; // already gone, or the pid now belongs to something else
    process.kill(p.pid, 'SIGTERM');
    if (!(await exited(p.pid, 10_000))) {
      process.kill(p.pid, 'SIGKILL');
      await exited(p.pid, 5_000);
    }
  }
  await rm(state.dir, { recursive: true, force: true });
  await rm(statePath, { force: true });
  await rm(kubeconfigPath, { force: true });
  console.error(`envtest: stopped ${state.server}`);
  return 0;
}

async function status(): Promise<number> {
  const state = await readState();
  if (!state) {
    console.log('not running');
    return 1;
  }
  const up = state.processes.map((p) => `${p.name} pid ${p.pid} ${ours(p) ? 'running' : 'NOT running'} (log ${p.log})`);
  const allUp = state.processes.every((p) => ours(p));
  console.log(`${allUp ? 'running' : 'degraded'}: ${state.server}, Kubernetes ${state.version}, since ${state.startedAt}`);
  for (const line of up) console.log(`  ${line}`);
  console.log(`  KUBECONFIG=${kubeconfigPath}`);
  return allUp ? 0 : 1;
}

async function readState(): Promise<State | undefined> {
  if (!existsSync(statePath)) return undefined;
  return JSON.parse(await readFile(statePath, 'utf8')) as State;
}

/** Alive, not a zombie, and still running the binary we started (pids get reused). */
function ours(p: { pid: number; bin: string }): boolean {
  if (!existsSync('/proc/self')) return !gone(p.pid); // not Linux: trust the pid
  try {
    return !gone(p.pid) && readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0')[0] === p.bin;
  } catch {
    return false;
  }
}

function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    // Detached children are reparented; if nobody reaps them they linger as zombies.
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return !existsSync('/proc/self') ? false : true;
  }
}

async function exited(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (gone(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
