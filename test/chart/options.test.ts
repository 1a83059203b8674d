// Optional objects and the values that switch them: what each renders and what it leaves out.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART, DEFAULT_OBJECT_KINDS, HELM_SETUP_TIMEOUT, findOne, helmPath, parseObjects, podSpec, template } from './helm.ts';
import type { K8sObject } from './helm.ts';

let bin: string;
beforeAll(async () => {
  bin = await helmPath();
}, HELM_SETUP_TIMEOUT);

const render = async (...sets: string[]) => parseObjects(await template(bin, sets.flatMap((s) => ['--set', s])));
const container = (objects: K8sObject[]) => podSpec(findOne(objects, 'Deployment')).containers[0] as { args: string[]; env?: unknown[] };
const kinds = (objects: K8sObject[]) => objects.map((o) => o.kind).sort();

describe('chart options', () => {
  it('renders the default object set', async () => {
    expect(kinds(await render())).toEqual(DEFAULT_OBJECT_KINDS);
  });

  it('sets PASSTHRU_NAMESPACE only when watchNamespace is set', async () => {
    expect(container(await render()).env).toBeUndefined();
    expect(container(await render('watchNamespace=apps')).env).toEqual([{ name: 'PASSTHRU_NAMESPACE', value: 'apps' }]);
  });

  it('generates an admin token of 40 characters, mounts it read-only and points the controller at it', async () => {
    const objects = await render('adminToken.enabled=true');
    const secret = findOne(objects, 'Secret', 'passthru-admin-token') as K8sObject & { data: { token: string } };
    expect(Buffer.from(secret.data.token, 'base64').toString()).toMatch(/^[A-Za-z0-9]{40}$/);
    const spec = podSpec(findOne(objects, 'Deployment'));
    expect(container(objects).args).toContain('--admin-token-file=/etc/passthru/admin-token/token');
    expect(spec['volumes']).toContainEqual({
      name: 'admin-token',
      secret: { secretName: 'passthru-admin-token', defaultMode: 0o440, items: [{ key: 'token', path: 'token' }] },
    });
  });

  it('uses an existing admin token Secret without creating one', async () => {
    const objects = await render('adminToken.enabled=true', 'adminToken.existingSecret=mine', 'adminToken.existingSecretKey=bearer');
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(podSpec(findOne(objects, 'Deployment'))['volumes']).toContainEqual(
      expect.objectContaining({ secret: expect.objectContaining({ secretName: 'mine', items: [{ key: 'bearer', path: 'token' }] }) }),
    );
  });

  it('restarts the pods when a given admin token changes', async () => {
    const annotation = async (token: string) => {
      const d = findOne(await render('adminToken.enabled=true', `adminToken.value=${token}`), 'Deployment') as unknown as {
        spec: { template: { metadata: { annotations: Record<string, string> } } };
      };
      return d.spec.template.metadata.annotations['checksum/admin-token'];
    };
    expect(await annotation('a'.repeat(16))).not.toBe(await annotation('b'.repeat(16)));
  });

  it('ships the dashboard file unchanged in a ConfigMap labelled for the Grafana sidecar', async () => {
    const cm = findOne(await render('dashboard.enabled=true'), 'ConfigMap') as K8sObject & { data: Record<string, string> };
    expect(cm.metadata.labels?.['grafana_dashboard']).toBe('1');
    const file = await readFile(join(CHART, 'dashboards', 'passthru.json'), 'utf8');
    expect(cm.data['passthru.json']).toBe(file.endsWith('\n') ? file : `${file}\n`);
    expect(JSON.parse(cm.data['passthru.json']!)).toEqual(JSON.parse(file));
  });

  it('lets an autoscaler own the replica count', async () => {
    const objects = await render('autoscaling.enabled=true');
    expect((findOne(objects, 'Deployment') as unknown as { spec: Record<string, unknown> }).spec['replicas']).toBeUndefined();
    expect(findOne(objects, 'HorizontalPodAutoscaler')['spec']).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
  });

  it('leaves the PodDisruptionBudget out when a single replica is wanted', async () => {
    expect(kinds(await render('replicaCount=1'))).not.toContain('PodDisruptionBudget');
  });

  it('renders the ServiceMonitor only when enabled, selecting the admin Service', async () => {
    expect(kinds(await render())).not.toContain('ServiceMonitor');
    const sm = findOne(await render('serviceMonitor.enabled=true'), 'ServiceMonitor');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm['spec']).toMatchObject({
      selector: { matchLabels: { 'app.kubernetes.io/component': 'admin' } },
      endpoints: [{ port: 'admin', path: '/metrics' }],
    });
  });

  it('admits the admin port only from the peers given when a NetworkPolicy is on', async () => {
    const closed = findOne(await render('networkPolicy.enabled=true'), 'NetworkPolicy') as K8sObject & { spec: { ingress: unknown[] } };
    expect(closed.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }] }]);
  });

  it('switches the traffic Service type, with fixed node ports for NodePort', async () => {
    const svc = findOne(
      await render('service.type=NodePort', 'service.http.nodePort=30080', 'service.https.enabled=true'),
      'Service',
      'passthru',
    ) as K8sObject & { spec: { type: string; ports: Array<Record<string, unknown>> } };
    expect(svc.spec.type).toBe('NodePort');
    expect(svc.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', nodePort: 30080 },
      { name: 'https', port: 443, targetPort: 'http', protocol: 'TCP' },
    ]);
    const clusterIp = findOne(await render('service.type=ClusterIP', 'service.externalTrafficPolicy=Local'), 'Service', 'passthru');
    expect(clusterIp['spec']).not.toHaveProperty('externalTrafficPolicy');
  });

  it('adds this release\'s selector to topology spread constraints that have none', async () => {
    const spec = podSpec(
      findOne(
        parseObjects(
          await template(bin, [
            '--set-json',
            'topologySpreadConstraints=[{"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"DoNotSchedule"}]',
          ]),
        ),
        'Deployment',
      ),
    );
    expect(spec['topologySpreadConstraints']).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'passthru', 'app.kubernetes.io/instance': 'passthru' } },
      },
    ]);
  });
});
