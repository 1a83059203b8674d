// Bad values fail at `helm template`/`helm install`, before anything reaches the cluster, with a
// message naming the value: values.schema.json for shapes, the templates for rules across values.
import { beforeAll, describe, expect, it } from 'vitest';
import { HELM_SETUP_TIMEOUT, helmPath, template } from './helm.ts';

let bin: string;
beforeAll(async () => {
  bin = await helmPath();
}, HELM_SETUP_TIMEOUT);

const rejects = (args: string[]) => template(bin, args).then(
  () => 'accepted',
  (err: Error) => err.message,
);

describe('values.schema.json', () => {
  it('rejects replicaCount: "two" naming the value and the type it wants', async () => {
    const message = await rejects(['--set-string', 'replicaCount=two']);
    expect(message).toContain("values don't meet the specifications of the schema");
    expect(message).toContain("at '/replicaCount': got string, want integer");
  });

  it('rejects a Service type Kubernetes does not know, listing the allowed ones', async () => {
    const message = await rejects(['--set', 'service.type=Ingress']);
    expect(message).toMatch(/at '\/service\/type': value must be one of 'LoadBalancer', 'NodePort', 'ClusterIP'/);
  });

  it('rejects a misspelt key instead of ignoring it', async () => {
    const message = await rejects(['--set', 'replicas=3']);
    expect(message).toContain("additional properties 'replicas' not allowed");
  });

  it('rejects an admin token shorter than the 16 characters the controller requires', async () => {
    const message = await rejects(['--set', 'adminToken.enabled=true', '--set', 'adminToken.value=short']);
    expect(message).toMatch(/at '\/adminToken\/value'.*\n.*minLength: got 5, want 16/);
  });

  it('rejects a watchNamespace that is not a namespace name', async () => {
    expect(await rejects(['--set', 'watchNamespace=Apps_1'])).toContain("at '/watchNamespace'");
  });

  it('accepts the defaults', async () => {
    expect(await rejects([])).toBe('accepted');
  });
});

describe('rules across values', () => {
  it('refuses a grace period that would cut the drain short', async () => {
    const message = await rejects(['--set', 'terminationGracePeriodSeconds=30']);
    expect(message).toContain('terminationGracePeriodSeconds (30) must be greater than preStopSleepSeconds (5) + controller.drainTimeoutSeconds (30)');
  });

  it('refuses the admin API on the traffic port', async () => {
    expect(await rejects(['--set', 'ports.admin=8080'])).toContain('ports.admin must differ from ports.http');
  });

  it('refuses an autoscaler whose minimum exceeds its maximum', async () => {
    const message = await rejects(['--set', 'autoscaling.enabled=true', '--set', 'autoscaling.minReplicas=5', '--set', 'autoscaling.maxReplicas=3']);
    expect(message).toContain('autoscaling.minReplicas (5) must not exceed autoscaling.maxReplicas (3)');
  });

  it('asks for a ServiceAccount name when the chart does not create one', async () => {
    expect(await rejects(['--set', 'serviceAccount.create=false'])).toContain('serviceAccount.name is required');
  });
});
