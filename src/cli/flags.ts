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
  for (const [name, s] of Object.entries(SERVE_FLAGS)) {
    const def = 'default' in s && s.default ? ` (default ${s.default})` : '';
    lines.push(`  --${name.padEnd(18)} ${s.help}${def}`);
  }
  return lines.join('\n') + '\n';
}
