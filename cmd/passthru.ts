#!/usr/bin/env node
// The passthru command: serve | controller | validate. Wires the parts and owns shutdown order.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { pino, type Logger } from 'pino';
import { parseDuration } from '../src/api/duration.ts';
import { CONTROLLER_FLAGS, parseFlags, parseHostPort, parseList, SERVE_FLAGS, usage, UsageError, type FlagValues } from '../src/cli/flags.ts';
import { Controller } from '../src/controller/controller.ts';
import { translate } from '../src/controller/translate.ts';
import { DataPlane, type DataPlaneOptions } from '../src/dataplane.ts';
import { FileSource, type FileSnapshot } from '../src/file/source.ts';
import { runValidate } from '../src/file/validate-command.ts';
import { KubeRest } from '../src/kube/rest.ts';
import { KubeConfigError, loadKubeConfig } from '../src/kube/config.ts';
import { createMetrics, type Metrics } from '../src/metrics/registry.ts';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'validate':
      if (rest.length === 0) throw new UsageError('passthru validate: give at least one file or folder');
      return runValidate(rest, process.stdout);
    case 'controller':
      return controller(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage());
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`passthru: unknown command "${command}"`);
  }
}

async function serve(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parseFlags('serve', SERVE_FLAGS, argv, process.env);
  if (positionals.length > 0) throw new UsageError(`passthru serve: unexpected argument "${positionals[0]}"`);
  if (!flags.config) throw new UsageError('passthru serve: --config PATH is required (or PASSTHRU_CONFIG)');
  const drainTimeoutMs = parseDuration(flags['drain-timeout']);
  if (drainTimeoutMs === undefined) throw new UsageError(`--drain-timeout: expected a duration like "30s", got "${flags['drain-timeout']}"`);
  const { options, logger, metrics } = await planeSetup(flags, drainTimeoutMs);
  const plane = await DataPlane.start(options);

  const apply = (snapshot: FileSnapshot): void => plane.apply(translate({ targets: snapshot.targets, secrets: snapshot.secrets }));
  const source = new FileSource({
    path: flags.config,
    logger: logger.child({ part: 'config' }),
    onChange: apply,
    onRejected: () => metrics.configReloads.labels('failure').inc(),
  });
  apply(await source.start());

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await source.close();
  await plane.shutdown();
  return 0;
}

async function controller(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parseFlags('controller', CONTROLLER_FLAGS, argv, process.env);
  if (positionals.length > 0) throw new UsageError(`passthru controller: unexpected argument "${positionals[0]}"`);
  const duration = (flag: keyof typeof flags & string): number => {
    const text = String(flags[flag]);
    const ms = parseDuration(text);
    if (ms === undefined || ms <= 0) throw new UsageError(`--${flag}: expected a duration like "30s", got "${text}"`);
    return ms;
  };
  const drainTimeoutMs = duration('drain-timeout');
  const watchTimeoutMs = duration('watch-timeout');
  const lease = {
    leaseDurationMs: duration('leader-elect-lease-duration'),
    renewDeadlineMs: duration('leader-elect-renew-deadline'),
    retryPeriodMs: duration('leader-elect-retry-period'),
  };
  if (!(lease.retryPeriodMs < lease.renewDeadlineMs && lease.renewDeadlineMs < lease.leaseDurationMs)) {
    throw new UsageError('--leader-elect-*: needs retry period < renew deadline < lease duration');
  }
  const { options, logger } = await planeSetup(flags, drainTimeoutMs);

  let source;
  try {
    source = loadKubeConfig({ kubeconfig: flags.kubeconfig });
  } catch (err) {
    if (err instanceof KubeConfigError) {
      logger.fatal({ code: err.code, err: err.message }, 'passthru cannot start');
      process.stderr.write(`passthru controller: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const rest = new KubeRest(source.config);
  const plane = await DataPlane.start(options);
  // The pod name, unique per replica; the suffix keeps two processes on one host apart.
  const identity = `${hostname()}_${randomUUID().slice(0, 8)}`;
  const namespace = flags.namespace || undefined;
  const ctl = new Controller({
    rest,
    plane,
    logger,
    namespace,
    identity,
    watchTimeoutMs,
    addressPolicy: {
      allowLoopback: flags['allow-loopback-servers'],
      selfAddresses: Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address)),
      selfPorts: [plane.trafficAddress.port, plane.adminAddress.port],
    },
    leaderElection: flags['leader-elect']
      ? {
          // In a cluster the Lease lives in the pod's own namespace, where its RBAC grants it
          // (QUALITY.md: "its Lease"), whatever namespace it watches.
          namespace: flags['leader-elect-namespace'] || (source.from === 'in-cluster' ? source.namespace : namespace || source.namespace),
          name: flags['leader-elect-name'],
          ...lease,
        }
      : undefined,
  });
  logger.info(
    { kubeconfig: source.from, server: rest.server, namespace: namespace ?? '(all)', identity, leaderElect: flags['leader-elect'] },
    'controller starting',
  );
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  // Not awaited before the signal: a SIGTERM while the caches are still syncing must work too.
  ctl.start().then(
    () => logger.info('controller ready'),
    (err: unknown) => logger.error({ err }, 'controller failed to start'),
  );
  const signal = await stopped;
  logger.info({ signal }, 'shutting down');
  // Readiness goes false at once (shutdown's first step); watches stop and the lease is handed
  // over while requests in flight drain.
  const drained = plane.shutdown();
  await ctl.stop();
  await drained;
  return 0;
}

/** What both serve and controller make of the flags they share, before anything listens. */
async function planeSetup(
  flags: Pick<FlagValues<typeof SERVE_FLAGS>, 'listen' | 'admin' | 'admin-token-file' | 'log-level' | 'trusted-proxies' | 'access-log' | 'via-name'>,
  drainTimeoutMs: number,
): Promise<{ options: DataPlaneOptions; logger: Logger; metrics: Metrics }> {
  const listen = parseHostPort(flags.listen, 'listen');
  const admin = parseHostPort(flags.admin, 'admin');
  const adminToken = await readToken(flags['admin-token-file']);
  const logger = pino({ level: flags['log-level'], base: { app: 'passthru' } });
  const metrics = createMetrics();
  const options: DataPlaneOptions = {
    listen,
    admin,
    trustedProxies: parseList(flags['trusted-proxies']),
    drainTimeoutMs,
    accessLog: flags['access-log'],
    viaName: flags['via-name'],
    adminToken,
    logger,
    metrics,
  };
  return { options, logger, metrics };
}

/** The admin token from --admin-token-file: the file's first line, trimmed. */
async function readToken(file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--admin-token-file: cannot read ${file}: ${(err as Error).message}`);
  }
  const token = text.split('\n', 1)[0]!.trim();
  if (token.length < 16) throw new UsageError(`--admin-token-file: ${file} must hold a token of at least 16 characters`);
  return token;
}

function fatal(err: unknown, logger?: Logger): number {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n\n${usage()}`);
    return 2;
  }
  const e = err as NodeJS.ErrnoException;
  if (logger) logger.fatal({ code: e.code, err: e.message }, 'passthru cannot start');
  process.stderr.write(`passthru: ${e.message}\n`);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => process.exit(fatal(err)),
);
