// `passthru controller` as a user starts it, without a cluster: what it says when it cannot.
import { describe, expect, it } from 'vitest';
import { CLI, runToEnd } from '../helpers/cli.ts';

describe('passthru controller command line', () => {
  it('exits 1 with a stable code and the way out when there is no cluster to talk to', async () => {
    const r = await runToEnd([CLI, 'controller'], { KUBECONFIG: '', HOME: '/nonexistent', KUBERNETES_SERVICE_HOST: '', PASSTHRU_KUBECONFIG: '' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('"code":"PASSTHRU_KUBECONFIG"');
    expect(r.stderr).toContain('npm run envtest -- start');
  });

  it('refuses lease timings that cannot work, as a usage error', async () => {
    const r = await runToEnd([CLI, 'controller', '--leader-elect-renew-deadline', '20s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs retry period < renew deadline < lease duration');
  });

  it('reads its flags from PASSTHRU_* too', async () => {
    const r = await runToEnd([CLI, 'controller'], { PASSTHRU_WATCH_TIMEOUT: 'soon' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--watch-timeout: expected a duration like "30s", got "soon"');
  });

  it('lists its flags in the usage text', async () => {
    const r = await runToEnd([CLI, 'help']);
    for (const flag of ['--kubeconfig', '--namespace', '--leader-elect', '--allow-loopback-servers', '--watch-timeout']) expect(r.stdout).toContain(flag);
  });
});
