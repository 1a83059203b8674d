// From the objects the API server holds to translate's input, exactly as the controller's
// cache does it and as the golden tests replay it: targets validated (those the schema let
// through but validation refuses are rejected as Invalid), and only the Secrets, Services
// and EndpointSlices the valid targets name.
import { targetKey, type ReverseProxyTarget, type SecretObject } from '../api/types.ts';
import { validateSecret, validateTarget } from '../api/validate.ts';
import type { AddressPolicy } from './addresses.ts';
import { serviceResolver, toServiceInfo, toSliceInfo, SERVICE_NAME_LABEL, type ServiceInfo, type SliceInfo } from './endpoints.ts';
import type { InvalidTarget, TranslateInput } from './translate.ts';

/** Raw objects by kind, with indexed lookups (the cache answers from its informers). */
export interface SourceView {
  targets(): Iterable<object>;
  secret(namespace: string, name: string): object | undefined;
  service(namespace: string, name: string): object | undefined;
  slicesOf(namespace: string, serviceName: string): Iterable<object>;
}

/** What the valid targets refer to: only changes to these can change the routing. */
export interface References {
  secrets: Set<string>;
  services: Set<string>;
}

export interface BuiltInput {
  input: TranslateInput;
  references: References;
  /** "namespace/name" -> the raw object each status is for (generation, uid for events). */
  objects: Map<string, object>;
}

type Validated = { target?: ReverseProxyTarget; invalid?: InvalidTarget };

/**
 * Validation is pure and objects are replaced, never mutated, when they change: a cache
 * keyed by the object itself validates each version once, however often we rebuild.
 */
export class ValidationMemo {
  readonly #targets = new WeakMap<object, Validated>();
  readonly #secrets = new WeakMap<object, SecretObject | null>();

  target(raw: object): Validated {
    let v = this.#targets.get(raw);
    if (!v) {
      const { target, errors } = validateTarget(raw);
      v = target ? { target } : { invalid: { metadata: metaOf(raw), errors } };
      this.#targets.set(raw, v);
    }
    return v;
  }

  secret(raw: object): SecretObject | undefined {
    let v = this.#secrets.get(raw);
    if (v === undefined) {
      v = validateSecret(raw).secret ?? null;
      this.#secrets.set(raw, v);
    }
    return v ?? undefined;
  }
}

export function buildTranslateInput(view: SourceView, addressPolicy: AddressPolicy | undefined, memo = new ValidationMemo()): BuiltInput {
  const targets: ReverseProxyTarget[] = [];
  const invalid: InvalidTarget[] = [];
  const objects = new Map<string, object>();
  const references: References = { secrets: new Set(), services: new Set() };
  for (const raw of view.targets()) {
    const v = memo.target(raw);
    const meta = metaOf(raw);
    objects.set(targetKey(meta), raw);
    if (v.invalid) {
      invalid.push(v.invalid);
      continue;
    }
    const t = v.target!;
    targets.push(t);
    const ns = t.metadata.namespace;
    if (t.spec.headers.connectorSecretRef) references.secrets.add(`${ns}/${t.spec.headers.connectorSecretRef.name}`);
    if (t.spec.tls) references.secrets.add(`${ns}/${t.spec.tls.secretName}`);
    if (t.spec.service) references.services.add(`${ns}/${t.spec.service.name}`);
  }
  const secrets: SecretObject[] = [];
  for (const key of references.secrets) {
    const [ns = '', name = ''] = key.split('/');
    const raw = view.secret(ns, name);
    const secret = raw && memo.secret(raw);
    if (secret) secrets.push(secret);
  }
  const services: ServiceInfo[] = [];
  const slices: SliceInfo[] = [];
  for (const key of references.services) {
    const [ns = '', name = ''] = key.split('/');
    const svc = view.service(ns, name);
    const info = svc && toServiceInfo(svc);
    if (info) services.push(info);
    for (const raw of view.slicesOf(ns, name)) {
      const slice = toSliceInfo(raw);
      if (slice) slices.push(slice);
    }
  }
  const input: TranslateInput = { targets, secrets, invalid, resolveService: serviceResolver(services, slices) };
  if (addressPolicy) input.addressPolicy = addressPolicy;
  return { input, references, objects };
}

/** A SourceView over a plain list of manifests (the golden tests). */
export function viewOfObjects(list: readonly object[]): SourceView {
  const kindOf = (o: object): string => String((o as { kind?: unknown }).kind ?? '');
  const key = (o: object): string => targetKey(metaOf(o));
  const byKind = (kind: string): object[] => list.filter((o) => kindOf(o) === kind);
  const index = (kind: string): Map<string, object> => new Map(byKind(kind).map((o) => [key(o), o]));
  const secrets = index('Secret');
  const services = index('Service');
  const slices = byKind('EndpointSlice');
  return {
    targets: () => byKind('ReverseProxyTarget'),
    secret: (ns, name) => secrets.get(`${ns}/${name}`),
    service: (ns, name) => services.get(`${ns}/${name}`),
    slicesOf: (ns, name) =>
      slices.filter((s) => {
        const meta = (s as { metadata?: { namespace?: string; labels?: Record<string, string> } }).metadata;
        return (meta?.namespace ?? 'default') === ns && meta?.labels?.[SERVICE_NAME_LABEL] === name;
      }),
  };
}

function metaOf(raw: object): { namespace: string; name: string } {
  const meta = (raw as { metadata?: { namespace?: unknown; name?: unknown } }).metadata;
  return {
    namespace: typeof meta?.namespace === 'string' && meta.namespace ? meta.namespace : 'default',
    name: typeof meta?.name === 'string' ? meta.name : '',
  };
}
