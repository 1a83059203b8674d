// A throwaway PKI for one control plane, made with the machine's openssl: a CA that signs the
// apiserver's serving cert and an admin client cert (O=system:masters bypasses RBAC, as in a
// kubeadm admin.conf), plus a separate key pair that signs service-account tokens.
import { join } from 'node:path';
import { runOk } from './exec.ts';

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  servingCert: string;
  servingKey: string;
  adminCert: string;
  adminKey: string;
  /** Signs service-account tokens (private) and verifies them (public). */
  saKey: string;
  saPub: string;
}

// P-256 everywhere: key generation is instant, and kube-apiserver accepts ES256 SA keys.
const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-noenc'];

/** Writes the PKI into `dir` (which must exist). `ips` are extra IP SANs for the serving cert. */
export async function createPki(dir: string, ips: readonly string[] = []): Promise<Pki> {
  const p = (name: string) => join(dir, name);
  const pki: Pki = {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    servingCert: p('apiserver.crt'),
    servingKey: p('apiserver.key'),
    adminCert: p('admin.crt'),
    adminKey: p('admin.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
  const req = (args: string[]) => runOk('openssl', ['req', '-x509', ...ecKey, '-days', '365', ...args]);
  await req(['-keyout', pki.caKey, '-out', pki.caCert, '-subj', '/CN=passthru-envtest-ca']);
  const leaf = ['-CA', pki.caCert, '-CAkey', pki.caKey, '-addext', 'basicConstraints=critical,CA:FALSE'];
  const sans = ['DNS:localhost', 'IP:127.0.0.1', ...ips.map((ip) => `IP:${ip}`)].join(',');
  await Promise.all([
    req([...leaf, '-keyout', pki.servingKey, '-out', pki.servingCert, '-subj', '/CN=localhost',
      '-addext', `subjectAltName=${sans}`, '-addext', 'extendedKeyUsage=serverAuth']),
    req([...leaf, '-keyout', pki.adminKey, '-out', pki.adminCert, '-subj', '/CN=envtest-admin/O=system:masters',
      '-addext', 'extendedKeyUsage=clientAuth']),
    runOk('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', pki.saKey]).then(() =>
      runOk('openssl', ['pkey', '-in', pki.saKey, '-pubout', '-out', pki.saPub]),
    ),
  ]);
  return pki;
}
