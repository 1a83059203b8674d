// Top self-time functions of a V8 .cpuprofile (from node --cpu-prof), for bench/run.sh BENCH_PROFILE=1.
// Usage: node bench/profile-summary.ts FILE.cpuprofile [TOP=10]
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.ts FILE.cpuprofile [TOP]\n');
  process.exit(2);
}
const top = Number(topArg ?? 10);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));

/** Shortens a script URL to what a reader needs: node:internal, a package, or a repo path. */
function where(url: string): string {
  if (!url) return '';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (pkg) return `${pkg[1]}/${pkg[2]}`;
  const repo = /\/((?:src|cmd|bench)\/.*)$/.exec(url);
  return repo ? repo[1]! : url.replace(/^file:\/\//, '');
}

function area(url: string, name: string): string {
  if (name.startsWith('(')) return name; // (garbage collector), (program), (idle)
  if (!url || url.startsWith('node:')) return 'node core';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  return 'passthru';
}

const self = new Map<string, number>();
const areas = new Map<string, number>();
let total = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] ?? 0;
  const f = frames.get(id);
  if (!f) return;
  if (f.functionName === '(idle)') {
    idle += us;
    return;
  }
  total += us;
  const key = `${f.functionName || '(anonymous)'}\t${where(f.url)}${f.url ? `:${f.lineNumber + 1}` : ''}`;
  self.set(key, (self.get(key) ?? 0) + us);
  const a = area(f.url, f.functionName);
  areas.set(a, (areas.get(a) ?? 0) + us);
});

const pct = (us: number): string => `${((100 * us) / total).toFixed(1)}%`.padStart(6);
const out = [`busy ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s; self time as a share of busy time`, '', 'top functions (self time):'];
[...self.entries()]
  .sort((a, b) => b[1] - a[1])
  .slice(0, top)
  .forEach(([key, us], i) => {
    const [name, loc] = key.split('\t');
    out.push(`${String(i + 1).padStart(3)}. ${pct(us)}  ${name}  ${loc}`);
  });
out.push('', 'by area (self time):');
[...areas.entries()].sort((a, b) => b[1] - a[1]).forEach(([name, us]) => out.push(`  ${pct(us)}  ${name}`));
process.stdout.write(out.join('\n') + '\n');
