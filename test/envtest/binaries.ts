// Finds kube-apiserver, etcd, kubectl (and helm on request) for the envtest control plane.
// Order: TEST_ASSET_* per binary, then KUBEBUILDER_ASSETS, then a versioned cache outside the
// repo, then a build from the upstream Go modules (these machines reach only the Go proxy,
// so there is nothing to download from release pages). See /work/shared/envtest/README.md.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { run, runOk } from './exec.ts';

// Pinned so the cache key is stable. k8s 1.36.5 and 1.37.x resolve on the proxy but fail
// (sumdb 404 / zip 403); 1.36.4 is the newest one that downloads and verifies.
export const KUBERNETES_VERSION = '1.36.4';
export const ETCD_VERSION = '3.6.16';
export const HELM_VERSION = '4.3.1';

export interface Binaries {
  kubeApiserver: string;
  etcd: string;
  kubectl: string;
  helm?: string;
  /** kube-apiserver's gitVersion, e.g. "v1.36.4". */
  version: string;
}

export interface GetBinariesOptions {
  /** Also obtain helm (built lazily, only when asked). */
  helm?: boolean;
  /** false: never build; throw if nothing is configured or cached. Default true. */
  build?: boolean;
  /** Progress lines; default writes to stderr. */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

const platform = `${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'passthru', 'envtest');
}

/** The KUBEBUILDER_ASSETS-shaped directory our builds land in: one key for the whole set. */
export function assetsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), `k8s-${KUBERNETES_VERSION}-etcd-${ETCD_VERSION}-${platform}`);
}

export function helmDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), `helm-${HELM_VERSION}-${platform}`);
}

export async function getBinaries(opts: GetBinariesOptions = {}): Promise<Binaries> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`envtest: ${line}\n`));
  const canBuild = opts.build ?? true;
  const assets = env.KUBEBUILDER_ASSETS;
  const cached = assetsDir(env);

  // An override that points nowhere is a mistake to report, not a reason to build.
  const pick = (name: string, override: string | undefined): string | undefined => {
    if (override) return mustExist(override, name, 'TEST_ASSET_' + name.toUpperCase().replace('-', '_'));
    if (assets) return mustExist(join(assets, name), name, 'KUBEBUILDER_ASSETS');
    return undefined;
  };
  let kubeApiserver = pick('kube-apiserver', env.TEST_ASSET_KUBE_APISERVER);
  let etcd = pick('etcd', env.TEST_ASSET_ETCD);
  let kubectl = pick('kubectl', env.TEST_ASSET_KUBECTL);
  const fromOverrides = kubeApiserver !== undefined;

  if (!kubeApiserver || !etcd || !kubectl) {
    const unset = { 'kube-apiserver': !kubeApiserver, etcd: !etcd, kubectl: !kubectl };
    const want = Object.keys(unset).filter((b) => unset[b as keyof typeof unset] && !existsSync(join(cached, b)));
    if (want.length > 0) {
      await buildLocked(cached, want, canBuild, env, log, (dir, go) => buildKubernetesSet(dir, want, go, env, log));
    }
    kubeApiserver ??= join(cached, 'kube-apiserver');
    etcd ??= join(cached, 'etcd');
    kubectl ??= join(cached, 'kubectl');
  }

  let helm: string | undefined;
  if (opts.helm) {
    helm = env.TEST_ASSET_HELM ? mustExist(env.TEST_ASSET_HELM, 'helm', 'TEST_ASSET_HELM') : undefined;
    if (!helm && assets && existsSync(join(assets, 'helm'))) helm = join(assets, 'helm');
    if (!helm) {
      const dir = helmDir(env);
      if (!existsSync(join(dir, 'helm'))) {
        await buildLocked(dir, ['helm'], canBuild, env, log, (tmp, go) => buildHelm(tmp, go, env, log));
      }
      helm = join(dir, 'helm');
    }
  }

  const version = fromOverrides ? await apiserverVersion(kubeApiserver) : `v${KUBERNETES_VERSION}`;
  return { kubeApiserver, etcd, kubectl, ...(helm ? { helm } : {}), version };
}

function mustExist(path: string, name: string, source: string): string {
  if (!existsSync(path)) throw new Error(`envtest: ${source} points at ${path}, but there is no ${name} there.`);
  return path;
}

async function apiserverVersion(bin: string): Promise<string> {
  const r = await run(bin, ['--version']);
  return /v\d+\.\d+\.\d+\S*/.exec(r.stdout)?.[0] ?? 'unknown';
}

function noGoMessage(missing: readonly string[], dir: string): string {
  return [
    `envtest: ${missing.join(', ')} not found, and there is no Go toolchain to build them.`,
    'Do one of:',
    '  - set KUBEBUILDER_ASSETS to a directory holding kube-apiserver, etcd and kubectl',
    '    (or TEST_ASSET_KUBE_APISERVER / TEST_ASSET_ETCD / TEST_ASSET_KUBECTL / TEST_ASSET_HELM per binary);',
    `  - or install Go (https://go.dev/doc/install, 1.26+) and run \`npm run envtest -- build\` once`,
    `    (10-20 minutes cold on two cores; the result is cached in ${dir}).`,
  ].join('\n');
}

async function findGo(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const candidates = ['go', ...(env.GOROOT ? [join(env.GOROOT, 'bin', 'go')] : []), '/usr/local/go/bin/go'];
  for (const go of candidates) {
    try {
      if ((await run(go, ['version'], { env })).code === 0) return go;
    } catch {
      // ENOENT: try the next place Go usually lives.
    }
  }
  return undefined;
}

/**
 * Builds into a scratch directory beside `dir` (same filesystem) and renames each finished
 * binary into `dir`, so a killed build never leaves half a binary. A lock file makes a
 * second caller wait for the first build instead of starting its own.
 */
async function buildLocked(
  dir: string,
  want: readonly string[],
  canBuild: boolean,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  build: (tmp: string, go: string) => Promise<void>,
): Promise<void> {
  const go = canBuild ? await findGo(env) : undefined;
  if (!go) {
    if (!canBuild) throw new Error(`envtest: ${want.join(', ')} not built yet; run \`npm run envtest -- build\`.`);
    throw new Error(noGoMessage(want, dir));
  }
  await mkdir(dir, { recursive: true });
  const release = await lock(`${dir}.lock`, log);
  try {
    if (want.every((b) => existsSync(join(dir, b)))) return; // someone else built it while we waited
    // Holding the lock, any scratch dir left beside ours is from a build that was killed.
    const prefix = `${basename(dir)}.tmp-`;
    for (const name of await readdir(dirname(dir))) {
      if (name.startsWith(prefix)) await rm(join(dirname(dir), name), { recursive: true, force: true });
    }
    const tmp = await mkdtemp(`${dir}.tmp-`);
    try {
      const started = Date.now();
      await build(tmp, go);
      for (const b of want) await rename(join(tmp, 'bin', b), join(dir, b));
      log(`built ${want.join(', ')} in ${Math.round((Date.now() - started) / 1000)} s -> ${dir}`);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  } finally {
    await release();
  }
}

async function lock(path: string, log: (line: string) => void): Promise<() => Promise<void>> {
  let announced = false;
  for (;;) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return () => rm(path, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (holder > 0 && !alive(holder)) {
      // The builder died (kill -9, reboot): its lock means nothing now.
      await rm(path, { force: true });
      continue;
    }
    if (!announced) {
      log(`another build (pid ${holder || '?'}) holds ${path}; waiting for it`);
      announced = true;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function goEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // Static binaries, and never let a go.work elsewhere on the machine leak into the scratch modules.
  return { ...env, CGO_ENABLED: '0', GOWORK: 'off' };
}

/** Runs a long go step with a heartbeat so a 15-minute compile doesn't look hung. */
async function goStep(go: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, log: (l: string) => void, what: string) {
  const started = Date.now();
  log(`${what}...`);
  const label = what.replace(/ \(.*\)$/, '');
  const beat = setInterval(() => log(`  still ${label} (${Math.round((Date.now() - started) / 60_000)} min)`), 60_000);
  try {
    return await runOk(go, args, { cwd, env: goEnv(env) });
  } finally {
    clearInterval(beat);
  }
}

async function scratchModule(dir: string, name: string, go: string, env: NodeJS.ProcessEnv): Promise<void> {
  await mkdir(dir, { recursive: true });
  await runOk(go, ['mod', 'init', name], { cwd: dir, env: goEnv(env) });
}

async function buildKubernetesSet(
  tmp: string,
  want: readonly string[],
  go: string,
  env: NodeJS.ProcessEnv,
  log: (l: string) => void,
): Promise<void> {
  const bin = join(tmp, 'bin') + '/';
  const k8s = want.filter((b) => b !== 'etcd');
  if (want.includes('etcd')) {
    // A module of its own, so etcd's grpc pins don't move the apiserver's.
    const mod = join(tmp, 'etcd');
    await scratchModule(mod, 'local/etcd-bin', go, env);
    await goStep(go, ['get', '-tool', `go.etcd.io/etcd/server/v3@v${ETCD_VERSION}`], mod, env, log, `resolving etcd v${ETCD_VERSION}`);
    await runOk(go, ['mod', 'tidy'], { cwd: mod, env: goEnv(env) });
    await goStep(
      go,
      ['build', '-trimpath', '-ldflags=-s -w', '-o', join(bin, 'etcd'), 'go.etcd.io/etcd/server/v3'],
      mod,
      env,
      log,
      `building etcd v${ETCD_VERSION}`,
    );
  }
  if (k8s.length === 0) return;

  const v = `v${KUBERNETES_VERSION}`;
  const mod = join(tmp, 'k8s');
  await scratchModule(mod, 'local/k8s-bins', go, env);
  await runOk(go, ['mod', 'edit', `-require=k8s.io/kubernetes@${v}`], { cwd: mod, env: goEnv(env) });
  // k8s.io/kubernetes requires its staging modules at v0.0.0 with directory replaces that don't
  // apply to us (kubernetes/kubernetes#79384); pin each to the matching v0.X.Y release instead.
  const dl = await goStep(go, ['mod', 'download', '-json', `k8s.io/kubernetes@${v}`], mod, env, log, `downloading k8s.io/kubernetes ${v}`);
  const info = JSON.parse(dl.stdout) as { GoMod?: string; Info?: string; Error?: string };
  if (!info.GoMod) throw new Error(`go mod download k8s.io/kubernetes@${v}: ${info.Error ?? 'no go.mod'}`);
  const gomod = await readFile(info.GoMod, 'utf8');
  const staging = [...gomod.matchAll(/^\s*(k8s\.io\/[a-z0-9-]+) => \.\/staging\/src\//gm)].map((m) => m[1]);
  if (staging.length < 20) throw new Error(`expected ~33 staging replaces in ${info.GoMod}, found ${staging.length}`);
  const stagingVersion = `v0.${KUBERNETES_VERSION.slice(2)}`;
  await runOk(go, ['mod', 'edit', ...staging.map((m) => `-replace=${m}=${m}@${stagingVersion}`)], { cwd: mod, env: goEnv(env) });
  const pkgs = k8s.map((b) => `k8s.io/kubernetes/cmd/${b}`);
  await runOk(go, ['mod', 'edit', ...pkgs.map((p) => `-tool=${p}`)], { cwd: mod, env: goEnv(env) });
  await goStep(go, ['mod', 'tidy'], mod, env, log, `resolving ${staging.length} staging modules (go mod tidy)`);

  const time = info.Info ? ((JSON.parse(await readFile(info.Info, 'utf8')) as { Time?: string }).Time ?? '') : '';
  const [major, minor] = KUBERNETES_VERSION.split('.');
  const stamp = (pkg: string) => [
    `-X ${pkg}.gitVersion=${v}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
    ...(time ? [`-X ${pkg}.buildDate=${time}`] : []),
  ];
  const ldflags = ['-s', '-w', ...stamp('k8s.io/component-base/version'), ...stamp('k8s.io/client-go/pkg/version')].join(' ');
  await writeFile(join(mod, 'ldflags'), ldflags + '\n'); // for whoever debugs a failed build
  await goStep(
    go,
    ['build', '-trimpath', '-tags', 'notest', `-ldflags=${ldflags}`, '-o', bin, ...pkgs],
    mod,
    env,
    log,
    `building ${k8s.join(', ')} ${v} (10-20 min cold on two cores)`,
  );
}

async function buildHelm(tmp: string, go: string, env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<void> {
  const v = `v${HELM_VERSION}`;
  const ldflags = `-s -w -X helm.sh/helm/v4/internal/version.version=${v} -X helm.sh/helm/v4/internal/version.gitTreeState=clean`;
  // go install pkg@version ignores the (absent) current module, so no scratch module is needed.
  await goStep(
    go,
    ['install', '-trimpath', `-ldflags=${ldflags}`, `helm.sh/helm/v4/cmd/helm@${v}`],
    tmp,
    { ...env, GOBIN: join(tmp, 'bin') },
    log,
    `building helm ${v}`,
  );
}
