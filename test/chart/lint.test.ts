// `helm lint --strict`: warnings fail too. Run for the defaults and for every value set, since
// a template branch only some values reach can be broken while the defaults lint clean.
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART, HELM_SETUP_TIMEOUT, helm, helmPath, valueSets } from './helm.ts';

let bin: string;
beforeAll(async () => {
  bin = await helmPath();
}, HELM_SETUP_TIMEOUT);

describe('helm lint --strict', async () => {
  for (const set of await valueSets()) {
    it(`passes with ${set.name} values`, async () => {
      const r = await helm(bin, ['lint', '--strict', CHART, ...(set.file ? ['-f', set.file] : [])]);
      expect(r.stdout + r.stderr).not.toMatch(/\[(WARNING|ERROR)\]/);
      expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
      expect(r.code).toBe(0);
    });
  }
});
