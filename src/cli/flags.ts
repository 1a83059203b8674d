// Command-line flags: every flag may also come from PASSTHRU_<FLAG> (API.md §2); a flag on the
// command line wins over the environment, which wins over the default.
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';

export interface HostPort {
  host: string;
  port: number;
}

export class UsageError extends Error {
  readonly code = 'PASSTHRU_USAGE';
}

type FlagSpec = { type: 'string' | 'boolean'; default?: string; help: string };

export const SERVE_FLAGS = {
  config: { type: 'string', help: 'a YAML file or a folder of them (required)' },
  listen: { type: 'string', default: '0.0.0.0:8080', help: 'traffic listener HOST:PORT' },
  admin: { type: 'string', default: '127.0.0.1:9090', help: 'admin listener HOST:PORT (health, readiness, metrics)' },
  'trusted-proxies': { type: 'string', default: '', help: 'CIDRs whose X-Forwarded-* headers are extended, not replaced' },
  'admin-token-file': { type: 'string', help: 'file holding the bearer token for admin write actions' },
  'access-log': { type: 'boolean', help: 'log one JSON line per request' },
  'log-level': { type: 'string', default: 'info', help: 'trace, debug, info, warn, error' },
  'drain-timeout': { type: 'string', default: '30s', help: 'how long requests in flight may take after SIGTERM' },
  'via-name': { type: 'string', default: 'passthru', help: 'the name passthru gives itself in Via headers' },
} as const satisfies Record<string, FlagSpec>;

const { config: _config, ...SHARED_FLAGS } = SERVE_FLAGS;

export const CONTROLLER_FLAGS = {
  kubeconfig: { type: 'string', help: 'kubeconfig file (default: $KUBECONFIG, else the pod\'s service account, else ~/.kube/config)' },
  namespace: { type: 'string', default: '', help: 'watch only this namespace (default: all namespaces)' },
  ...SHARED_FLAGS,
  'leader-elect': { type: 'boolean', help: 'only the replica holding a Lease writes status and events (all replicas serve traffic)' },
  'leader-elect-namespace': { type: 'string', help: 'namespace of the Lease (default: the pod\'s own in a cluster, else --namespace or the context\'s)' },
  'leader-elect-name': { type: 'string', default: 'passthru-controller', help: 'name of the Lease' },
  'leader-elect-lease-duration': { type: 'string', default: '15s', help: 'how long a Lease holds without renewal' },
  'leader-elect-renew-deadline': { type: 'string', default: '10s', help: 'a leader that cannot renew within this steps down' },
  'leader-elect-retry-period': { type: 'string', default: '2s', help: 'how often the Lease is renewed or tried' },
  'allow-loopback-servers': { type: 'boolean', help: 'allow servers on loopback and link-local addresses (tests, sidecars)' },
  'watch-timeout': { type: 'string', default: '5m', help: 'restart a watch that has been silent (not even a bookmark) this long' },
} as const satisfies Record<string, FlagSpec>;

export type FlagValues<F extends Record<string, FlagSpec>> = {
  [K in keyof F]: F[K]['type'] extends 'boolean' ? boolean : F[K] extends { default: string } ? string : string | undefined;
};

export function envName(flag: string): string {
  return `PASSTHRU_${flag.toUpperCase().replace(/-/g, '_')}`;
}

export function parseFlags<F extends Record<string, FlagSpec>>(
  command: string,
  spec: F,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { values: FlagValues<F>; positionals: string[] } {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, s] of Object.entries(spec)) options[name] = { type: s.type };
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError(`passthru ${command}: ${(err as Error).message}`);
  }
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, s] of Object.entries(spec)) {
    const given = parsed.values[name];
    const fromEnv = env[envName(name)];
    if (given !== undefined) values[name] = given;
    else if (fromEnv !== undefined && s.type === 'boolean') values[name] = parseBool(fromEnv, envName(name));
    else if (fromEnv !== undefined) values[name] = fromEnv;
    else values[name] = s.type === 'boolean' ? false : s.default;
  }
  return { values: values as FlagValues<F>, positionals: parsed.positionals };
}

function parseBool(value: string, where: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off|)$/i.test(value)) return false;
  throw new UsageError(`${where}: expected true or false, got "${value}"`);
}

/** "0.0.0.0:8080", "[::]:8080", ":8080" (all addresses). */
export function parseHostPort(value: string, flag: string): HostPort {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  const host = m ? (m[1] ?? m[2] ?? '') : '';
  if (!m || port > 65535 || (m[1] !== undefined && isIP(m[1]) !== 6)) {
    throw new UsageError(`--${flag}: expected HOST:PORT (e.g. 0.0.0.0:8080 or [::]:8080), got "${value}"`);
  }
  return { host: host || '0.0.0.0', port };
}

export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function usage(): string {
  const lines = [
    'usage:',
    '  passthru serve --config PATH [flags]     run the data plane from YAML files, no cluster needed',
    '  passthru controller [flags]              run in Kubernetes, watching ReverseProxyTargets',
    '  passthru validate PATH...                check manifests offline',
    '',
    'serve flags (each also read from PASSTHRU_<FLAG>, e.g. PASSTHRU_LISTEN):',
  ];
  const list = (flags: Record<string, FlagSpec>): void => {
    for (const [name, s] of Object.entries(flags)) {
      const def = 'default' in s && s.default ? ` (default ${s.default})` : '';
      lines.push(`  --${name.padEnd(28)} ${s.help}${def}`);
    }
  };
  list(SERVE_FLAGS);
  lines.push('', 'controller flags (and every serve flag but --config):');
  list(Object.fromEntries(Object.entries(CONTROLLER_FLAGS).filter(([name]) => !(name in SHARED_FLAGS))));
  return lines.join('\n') + '\n';
}
