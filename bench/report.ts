// Summarises the runs of bench/run.sh: parses wrk's --latency output, takes medians across
// rounds, prints the table and ratios, and writes the same as JSON.
// Usage: node bench/report.ts RUNS.tsv OUT.json
// RUNS.tsv lines: target, round, proxy CPU ticks (user+sys), proxy sys ticks, upstream CPU ticks, wrk output
// file, tab-separated; '-' for the proxy columns of the direct runs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p75Ms: number;
  p90Ms: number;
  p99Ms: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  non2xx: number;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function toMs(value: string, unit: string): number {
  const scale = UNIT_MS[unit];
  if (scale === undefined) throw new Error(`wrk: unknown time unit "${unit}"`);
  return Number(value) * scale;
}

export function parseWrk(text: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)\b/.exec(text);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(text);
  if (!total || !rps) throw new Error(`wrk output without a request count:\n${text}`);
  const pct = (p: number): number => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
    if (!m) throw new Error(`wrk output without a ${p}% latency (was --latency given?)`);
    return toMs(m[1]!, m[2]!);
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  return {
    requests: Number(total[1]),
    seconds: toMs(total[2]!, total[3]!) / 1000,
    rps: Number(rps[1]),
    p50Ms: pct(50),
    p75Ms: pct(75),
    p90Ms: pct(90),
    p99Ms: pct(99),
    socketErrors: {
      connect: Number(sock?.[1] ?? 0),
      read: Number(sock?.[2] ?? 0),
      write: Number(sock?.[3] ?? 0),
      timeout: Number(sock?.[4] ?? 0),
    },
    non2xx: Number(non2xx?.[1] ?? 0),
  };
}

export function median(values: number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

interface Run extends WrkResult {
  target: string;
  round: number;
  proxyCpuSeconds: number | null;
  proxySysShare: number | null;
  upstreamCpuSeconds: number;
  reqPerProxyCpuSecond: number | null;
  reqPerUpstreamCpuSecond: number;
}

function version(cmd: string, args: string[], pattern: RegExp): string {
  // nginx -v prints to stderr; wrk -v exits 1 after printing its banner.
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return pattern.exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)?.[1] ?? 'unknown';
}

function main(runsFile: string, outFile: string): void {
  const env = process.env;
  const clkTck = Number(env.BENCH_CLK_TCK ?? 100);
  const runs: Run[] = [];
  for (const line of readFileSync(runsFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [target, round, proxyTicks, proxySysTicks, upstreamTicks, wrkFile] = line.split('\t');
    const wrk = parseWrk(readFileSync(wrkFile!, 'utf8'));
    const proxyCpuSeconds = proxyTicks === '-' ? null : Number(proxyTicks) / clkTck;
    const upstreamCpuSeconds = Number(upstreamTicks) / clkTck;
    runs.push({
      target: target!,
      round: Number(round),
      ...wrk,
      proxyCpuSeconds,
      proxySysShare: proxyCpuSeconds ? Number(proxySysTicks) / clkTck / proxyCpuSeconds : null,
      upstreamCpuSeconds,
      reqPerProxyCpuSecond: proxyCpuSeconds ? wrk.requests / proxyCpuSeconds : null,
      reqPerUpstreamCpuSecond: upstreamCpuSeconds ? wrk.requests / upstreamCpuSeconds : NaN,
    });
  }

  const targets = ['direct', 'passthru', 'nginx-proxy'];
  const summary = Object.fromEntries(
    targets.map((t) => {
      const rs = runs.filter((r) => r.target === t);
      const errors = rs.reduce((n, r) => n + r.socketErrors.connect + r.socketErrors.read + r.socketErrors.write + r.socketErrors.timeout, 0);
      return [
        t,
        {
          rounds: rs.length,
          rps: median(rs.map((r) => r.rps)),
          p50Ms: median(rs.map((r) => r.p50Ms)),
          p99Ms: median(rs.map((r) => r.p99Ms)),
          reqPerProxyCpuSecond: t === 'direct' ? null : median(rs.map((r) => r.reqPerProxyCpuSecond ?? NaN)),
          proxySysShare: t === 'direct' ? null : median(rs.map((r) => r.proxySysShare ?? NaN)),
          reqPerUpstreamCpuSecond: median(rs.map((r) => r.reqPerUpstreamCpuSecond)),
          socketErrors: errors,
          non2xx: rs.reduce((n, r) => n + r.non2xx, 0),
        },
      ];
    }),
  ) as Record<string, { rps: number; p50Ms: number; p99Ms: number; reqPerProxyCpuSecond: number | null; proxySysShare: number | null; reqPerUpstreamCpuSecond: number; socketErrors: number; non2xx: number }>;

  const d = summary.direct!;
  const p = summary.passthru!;
  const n = summary['nginx-proxy']!;
  const ratios = {
    passthruToDirectRps: p.rps / d.rps,
    passthruToNginxRps: p.rps / n.rps,
    passthruToNginxP99: p.p99Ms / n.p99Ms,
    passthruToNginxReqPerCpuSecond: (p.reqPerProxyCpuSecond ?? NaN) / (n.reqPerProxyCpuSecond ?? NaN),
  };
  const machine = {
    nproc: availableParallelism(),
    node: process.version,
    nginx: version('nginx', ['-v'], /nginx\/(\S+)/),
    wrk: version('wrk', ['-v'], /wrk (?:debian\/)?(\S+)/),
  };
  // The code measured is the working tree: say which commit, and whether src/ or cmd/ differed from it.
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() || 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'cmd'], { encoding: 'utf8' }).stdout?.trim();
  const commit = dirty ? `${head}-dirty` : head;
  const settings = {
    upstream: env.BENCH_UPSTREAM ?? 'nginx',
    rounds: Number(env.BENCH_ROUNDS ?? 3),
    duration: env.BENCH_DURATION ?? '10s',
    connections: Number(env.BENCH_CONNECTIONS ?? 50),
    threads: 2,
    warmup: env.BENCH_WARMUP ?? '3s',
  };
  const date = new Date().toISOString();

  const f = (x: number | null, digits = 0): string => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(digits));
  const lines = [
    `passthru bench, ${date}, commit ${commit}`,
    `machine: nproc ${machine.nproc}, node ${machine.node}, nginx ${machine.nginx}, wrk ${machine.wrk}; upstream: ${settings.upstream}`,
    `wrk -t${settings.threads} -c${settings.connections} -d${settings.duration} --latency; ${settings.rounds} rounds interleaved (direct, passthru, nginx-proxy); medians across rounds`,
    `note: wrk, the upstream and the proxy all share these ${machine.nproc} cores, so absolute figures are low and drift; compare the ratios.`,
    '',
    `${'target'.padEnd(12)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'req/proxy-CPU-s'.padStart(16)} ${'proxy sys%'.padStart(10)} ${'req/upstream-CPU-s'.padStart(19)} ${'sock-err'.padStart(8)} ${'non-2xx'.padStart(8)}`,
    ...targets.map((t) => {
      const s = summary[t]!;
      return `${t.padEnd(12)} ${f(s.rps).padStart(9)} ${f(s.p50Ms, 2).padStart(8)} ${f(s.p99Ms, 2).padStart(8)} ${f(s.reqPerProxyCpuSecond).padStart(16)} ${f(s.proxySysShare === null ? null : 100 * s.proxySysShare).padStart(10)} ${f(s.reqPerUpstreamCpuSecond).padStart(19)} ${String(s.socketErrors).padStart(8)} ${String(s.non2xx).padStart(8)}`;
    }),
    '',
    `passthru/direct rps          ${f(ratios.passthruToDirectRps, 2)}`,
    `passthru/nginx rps           ${f(ratios.passthruToNginxRps, 2)}`,
    `passthru/nginx p99           ${f(ratios.passthruToNginxP99, 2)}`,
    `passthru/nginx req/CPU-s     ${f(ratios.passthruToNginxReqPerCpuSecond, 2)}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');

  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify({ date, commit, machine, settings, summary, ratios, runs }, null, 2) + '\n');
  process.stdout.write(`\nwrote ${outFile}\n`);
}

if (import.meta.main) {
  const [runsFile, outFile] = process.argv.slice(2);
  if (!runsFile || !outFile) {
    process.stderr.write('usage: node bench/report.ts RUNS.tsv OUT.json\n');
    process.exit(2);
  }
  main(runsFile, outFile);
}
