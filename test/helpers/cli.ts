// Runs the real `passthru` command as a child process and follows its JSON log.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../cmd/passthru.ts', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string };

export interface Running {
  child: ChildProcess;
  logs: LogLine[];
  stderr: () => string;
  /** Resolves with the first log line (past or future) that satisfies `match`. */
  waitForLog(match: (l: LogLine) => boolean, what?: string): Promise<LogLine>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  port: number;
  adminPort: number;
  stop(): Promise<number | null>;
}

export async function runNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const waiters: Array<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  let errText = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const text of lines) {
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as LogLine;
      logs.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (errText += d.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  const waitForLog = (match: (l: LogLine) => boolean, what = 'log line'): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      waiters.push({ match, resolve });
      void exited.then((code) => reject(new Error(`passthru exited (${code}) before ${what}; stderr: ${errText}`)));
    });
  };
  const running: Running = {
    child,
    logs,
    stderr: () => errText,
    waitForLog,
    exited,
    port: 0,
    adminPort: 0,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  return running;
}

/** `passthru serve` on loopback port 0; resolves once it listens and has applied its first configuration. */
export async function startServe(config: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const running = await runNode([CLI, 'serve', '--config', config, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', ...extra], env);
  const listening = await running.waitForLog((l) => l.msg === 'listening', 'listening');
  running.port = (listening['traffic'] as { port: number }).port;
  running.adminPort = (listening['admin'] as { port: number }).port;
  await running.waitForLog((l) => l.msg === 'configuration applied', 'first configuration');
  return running;
}

/** Runs a command to completion and returns its exit code and output. */
export async function runToEnd(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

export function manifest(name: string, roots: string[], servers: Array<{ port: number; route?: string; weight?: number }>, extraSpec = ''): string {
  const list = servers.map((s) => `    - {host: 127.0.0.1, port: ${s.port}${s.route ? `, route: ${s.route}` : ''}${s.weight ? `, weight: ${s.weight}` : ''}}`).join('\n');
  return `apiVersion: passthru.dev/v1alpha1
kind: ReverseProxyTarget
metadata:
  name: ${name}
  namespace: test
spec:
  contextRoots: [${roots.join(', ')}]
  servers:
${list}
${extraSpec}`;
}
