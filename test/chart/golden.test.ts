// `helm template` output per value set, compared with test/chart/golden/<set>.yaml. A change to
// the templates shows up as a reviewable diff; UPDATE_GOLDEN=1 rewrites the files.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLDEN_DIR, HELM_SETUP_TIMEOUT, chartWithPlaceholderDashboard, helmPath, template, valueSets } from './helm.ts';

const update = process.env.UPDATE_GOLDEN === '1';
let bin: string;
let chart: Awaited<ReturnType<typeof chartWithPlaceholderDashboard>>;

beforeAll(async () => {
  bin = await helmPath();
  chart = await chartWithPlaceholderDashboard();
  if (update) await mkdir(GOLDEN_DIR, { recursive: true });
}, HELM_SETUP_TIMEOUT);

afterAll(async () => {
  await chart?.remove();
});

describe('helm template golden files', async () => {
  for (const set of await valueSets()) {
    it(`renders ${set.name} values exactly as test/chart/golden/${set.name}.yaml`, async () => {
      const rendered = await template(bin, set.file ? ['-f', set.file] : [], chart.dir);
      const file = join(GOLDEN_DIR, `${set.name}.yaml`);
      if (update) await writeFile(file, rendered);
      expect(existsSync(file), `${file} is missing: run UPDATE_GOLDEN=1 npx vitest run --project unit test/chart`).toBe(true);
      expect(rendered, 'the rendering changed: review it, then UPDATE_GOLDEN=1 rewrites the golden file').toBe(await readFile(file, 'utf8'));
    });
  }

  it('has no golden file without a value set', async () => {
    const sets = new Set((await valueSets()).map((s) => `${s.name}.yaml`));
    expect((await readdir(GOLDEN_DIR)).filter((f) => !sets.has(f))).toEqual([]);
  });
});
