// The image is not built here (no registry, no Docker engine): these are the Dockerfile's
// invariants, checked as text, plus the check that the runtime needs nothing the image leaves out.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/render-deploy.ts';

interface Instruction {
  op: string;
  args: string;
}

/** Instructions with line continuations joined and comments dropped; ARG defaults substituted. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  const out: Instruction[] = [];
  const args: Record<string, string> = {};
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m || line.trim().startsWith('#')) continue;
    const op = m[1]!.toUpperCase();
    const rest = m[2]!.trim().replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a?: string, b?: string) => args[(a ?? b)!] ?? all);
    if (op === 'ARG') {
      const [name, value] = rest.split('=', 2) as [string, string | undefined];
      if (value !== undefined) args[name] = value;
    }
    out.push({ op, args: rest });
  }
  return out;
}

const dockerfile = parseDockerfile(await readFile(join(ROOT, 'Dockerfile'), 'utf8'));
const stages: Instruction[][] = [];
for (const i of dockerfile) {
  if (i.op === 'FROM') stages.push([]);
  stages[stages.length - 1]?.push(i);
}
const final = stages[stages.length - 1] ?? [];
const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('Dockerfile', () => {
  it('is multi-stage, every stage from the official Node 24 slim image pinned by version and digest', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const from of dockerfile.filter((i) => i.op === 'FROM')) {
      expect(from.args).toMatch(/^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}(\s+AS\s+\w+)?$/i);
    }
  });

  it('uses a Node at least as new as the one the repository develops with', () => {
    const base = /^node:(\d+)\.(\d+)\.(\d+)/.exec(dockerfile.find((i) => i.op === 'FROM')!.args)!.slice(1).map(Number);
    const dev = /(\d+)\.(\d+)\.(\d+)/.exec(pkg.devDependencies['node'] ?? '0.0.0')!.slice(1).map(Number);
    expect(base[0]).toBe(dev[0]);
    expect(base[1]! * 1000 + base[2]!).toBeGreaterThanOrEqual(dev[1]! * 1000 + dev[2]!);
  });

  it('installs production dependencies only, from the lockfile, without install scripts', () => {
    const runs = dockerfile.filter((i) => i.op === 'RUN').map((i) => i.args);
    const installs = runs.filter((r) => /\bnpm\s+(ci|install|i)\b/.test(r));
    expect(installs.length).toBe(1);
    expect(installs[0]).toMatch(/\bnpm ci\b/);
    expect(installs[0]).toContain('--omit=dev');
    expect(installs[0]).toContain('--ignore-scripts');
    for (const r of runs) expect(r).not.toMatch(/\bnpm\s+(install|i)\b|\byarn\b|\bpnpm\b|curl|wget/);
    expect(dockerfile.filter((i) => i.op === 'ADD')).toEqual([]);
  });

  it('runs the final stage as a numeric non-root user, installing nothing there', () => {
    const users = final.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users.length).toBeGreaterThan(0);
    const last = users[users.length - 1]!;
    expect(last).toMatch(/^\d+(:\d+)?$/);
    expect(Number(last.split(':')[0])).toBeGreaterThan(0);
    expect(Number(last.split(':')[1] ?? 1)).toBeGreaterThan(0);
    expect(final.filter((i) => i.op === 'RUN')).toEqual([]);
  });

  it('starts `node cmd/passthru.ts controller`', () => {
    expect(final.find((i) => i.op === 'ENTRYPOINT')?.args).toBe('["node", "cmd/passthru.ts"]');
    expect(final.find((i) => i.op === 'CMD')?.args).toBe('["controller"]');
  });

  it('sends only the lockfile, the manifest and the sources to the build, and copies nothing else', async () => {
    const ignore = (await readFile(join(ROOT, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    expect(allowed.sort()).toEqual(['cmd', 'package-lock.json', 'package.json', 'src']);
    const copied = dockerfile
      .filter((i) => i.op === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .map((s) => s.replace(/^\.\//, '').replace(/\/$/, ''));
    for (const c of copied) expect(allowed, c).toContain(c);
  });
});

describe('what the image carries is enough to run', () => {
  const IMPORT = /(?:^|\s)(?:import|export)\s(?:[^'"]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;

  it('reaches only cmd/, src/ and production dependencies from cmd/passthru.ts', async () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const queue = [join(ROOT, 'cmd', 'passthru.ts')];
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          const where = relative(ROOT, target);
          expect(where, `${relative(ROOT, file)} imports ${spec}`).toMatch(/^(cmd|src)\//);
          if (target.endsWith('.ts') && existsSync(target)) queue.push(target);
          continue;
        }
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
      }
    }
    expect(seen.size).toBeGreaterThan(5);
    for (const p of packages) expect(Object.keys(pkg.dependencies), `${p} is imported at runtime`).toContain(p);
  });
});
