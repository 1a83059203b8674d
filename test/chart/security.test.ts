// The pod's security posture in every value set: restricted Pod Security Standard, read-only
// root, limits, probes on the admin port, a drain that fits in the grace period.
import { beforeAll, describe, expect, it } from 'vitest';
import { HELM_SETUP_TIMEOUT, findOne, helmPath, parseObjects, podSpec, template, valueSets } from './helm.ts';
import type { K8sObject } from './helm.ts';

let bin: string;
beforeAll(async () => {
  bin = await helmPath();
}, HELM_SETUP_TIMEOUT);

interface Container {
  name: string;
  args?: string[];
  ports?: Array<{ name: string; containerPort: number }>;
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: { httpGet?: { path: string; port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string } };
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

const flag = (c: Container, name: string) => c.args?.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe('the controller pod', async () => {
  for (const set of await valueSets()) {
    describe(`with ${set.name} values`, () => {
      let objects: K8sObject[];
      beforeAll(async () => {
        objects = parseObjects(await template(bin, set.file ? ['-f', set.file] : []));
      });

      it('meets the restricted Pod Security Standard in the pod and in every container', () => {
        const spec = podSpec(findOne(objects, 'Deployment'));
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
        for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) expect(spec[key], key).toBeUndefined();
        const volumes = (spec.volumes ?? []) as Array<Record<string, unknown>>;
        expect(volumes.filter((v) => 'hostPath' in v)).toEqual([]);
        const all = [...spec.containers, ...(spec.initContainers ?? [])] as unknown as Container[];
        expect(all.length).toBeGreaterThan(0);
        for (const c of all) {
          expect(c.securityContext, c.name).toMatchObject({
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          });
          expect(c.securityContext?.['privileged'] ?? false).toBe(false);
          expect(c.securityContext?.['runAsUser'] ?? 10001).not.toBe(0);
          expect((c.securityContext?.['capabilities'] as { add?: unknown }).add).toBeUndefined();
          expect(c.resources?.requests?.['cpu'] && c.resources.requests['memory'], `${c.name} requests`).toBeTruthy();
          expect(c.resources?.limits?.['memory'], `${c.name} memory limit`).toBeTruthy();
        }
      });

      it('gives /tmp a size-limited emptyDir, the only writable place', () => {
        const spec = podSpec(findOne(objects, 'Deployment'));
        const c = spec.containers[0] as unknown as Container;
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        expect(tmp).toBeDefined();
        const volume = (spec.volumes as Array<{ name: string; emptyDir?: { sizeLimit?: string } }>).find((v) => v.name === tmp!.name);
        expect(volume?.emptyDir?.sizeLimit).toBeTruthy();
        for (const m of c.volumeMounts ?? []) if (m.mountPath !== '/tmp') expect(m.readOnly, m.mountPath).toBe(true);
      });

      it('probes /healthz and /readyz on the admin port, which is not the traffic port', () => {
        const c = podSpec(findOne(objects, 'Deployment')).containers[0] as unknown as Container;
        expect(c.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'admin' });
        expect(c.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'admin' });
        const ports = Object.fromEntries((c.ports ?? []).map((p) => [p.name, p.containerPort]));
        expect(ports['admin']).toBeDefined();
        expect(ports['admin']).not.toBe(ports['http']);
        expect(flag(c, 'admin')).toBe(`0.0.0.0:${ports['admin']}`);
        expect(flag(c, 'listen')).toBe(`0.0.0.0:${ports['http']}`);
      });

      it('runs `controller --leader-elect` and lets the drain finish inside the grace period', () => {
        const spec = podSpec(findOne(objects, 'Deployment'));
        const c = spec.containers[0] as unknown as Container;
        expect(c.args?.slice(0, 2)).toEqual(['controller', '--leader-elect']);
        const drain = Number(/^(\d+)s$/.exec(flag(c, 'drain-timeout') ?? '')?.[1]);
        const preStop = c.lifecycle?.preStop?.sleep?.seconds ?? NaN;
        expect(preStop).toBeGreaterThan(0);
        expect(spec['terminationGracePeriodSeconds']).toBeGreaterThan(drain + preStop);
      });

      it('keeps the ServiceAccount token out of every pod but the controller', () => {
        const sa = objects.find((o) => o.kind === 'ServiceAccount');
        if (sa) expect(sa['automountServiceAccountToken']).toBe(false);
      });

      it('never publishes the admin port on the traffic Service', () => {
        const services = objects.filter((o) => o.kind === 'Service');
        const admin = services.find((s) => s.metadata.labels?.['app.kubernetes.io/component'] === 'admin');
        const traffic = services.find((s) => s !== admin);
        expect((admin as unknown as { spec: { type: string } }).spec.type).toBe('ClusterIP');
        const targets = (traffic as unknown as { spec: { ports: Array<{ targetPort: unknown }> } }).spec.ports.map((p) => p.targetPort);
        expect(targets).not.toContain('admin');
      });
    });
  }
});
