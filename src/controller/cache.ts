// The controller's source cache: one informer per kind (ReverseProxyTargets, Services,
// EndpointSlices, Secrets), all in one namespace with --namespace. Secrets, Services and
// EndpointSlices are watched whole but only matter when a target names them: a change to
// one nobody references does not cause a rebuild.
import type { Logger } from 'pino';
import { Informer, type InformerHandlers } from '../kube/informer.ts';
import type { BackoffOptions } from '../kube/backoff.ts';
import type { KubeRest } from '../kube/rest.ts';
import {
  ENDPOINT_SLICE_TYPE,
  RPT_TYPE,
  SECRET_TYPE,
  SERVICE_TYPE,
  type KubeObject,
  type ResourceType,
} from '../kube/resources.ts';
import { SERVICE_NAME_LABEL } from './endpoints.ts';
import type { References, SourceView } from './input.ts';

export interface SourceCacheOptions {
  rest: KubeRest;
  logger: Logger;
  namespace?: string;
  watchTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Something that may change the routing happened. */
  onChange: () => void;
  /** A ReverseProxyTarget was deleted (its status writes and events can be forgotten). */
  onTargetDeleted?: (obj: KubeObject) => void;
}

type Secret = KubeObject & { type?: string; data?: Record<string, string> };

/** Secret types passthru never reads: keep their metadata, drop their (often large) data. */
const UNREAD_SECRET_TYPES = new Set(['helm.sh/release.v1', 'kubernetes.io/service-account-token', 'kubernetes.io/dockerconfigjson']);

function slim<T extends KubeObject>(obj: T): T {
  delete obj.metadata.managedFields;
  const ann = obj.metadata.annotations;
  if (ann) delete ann['kubectl.kubernetes.io/last-applied-configuration'];
  return obj;
}

export class SourceCache implements SourceView {
  readonly rpts: Informer<KubeObject>;
  readonly services: Informer<KubeObject>;
  readonly slices: Informer<KubeObject>;
  readonly secrets: Informer<Secret>;
  /** "namespace/service" -> slice name -> slice. */
  readonly #slicesByService = new Map<string, Map<string, KubeObject>>();
  #references: References | undefined;

  constructor(o: SourceCacheOptions) {
    const log = o.logger.child({ part: 'cache' });
    const always = { add: () => o.onChange(), update: () => o.onChange(), delete: () => o.onChange() };
    const ifReferenced = (kind: 'secrets' | 'services') => {
      const check = (obj: KubeObject): void => {
        if (!this.#references || this.#references[kind].has(`${obj.metadata.namespace}/${obj.metadata.name}`)) o.onChange();
      };
      return { add: check, update: check, delete: check };
    };
    const make = <T extends KubeObject>(type: ResourceType, handlers: InformerHandlers<T>, transform?: (obj: T) => T): Informer<T> =>
      new Informer<T>({
        rest: o.rest,
        type,
        namespace: o.namespace,
        logger: log,
        handlers,
        watchTimeoutMs: o.watchTimeoutMs,
        backoff: o.backoff,
        transform: transform ?? slim,
      });

    this.rpts = make(RPT_TYPE, {
      ...always,
      delete: (obj) => {
        o.onTargetDeleted?.(obj);
        o.onChange();
      },
    });
    this.services = make(SERVICE_TYPE, ifReferenced('services'));
    const sliceChanged = (obj: KubeObject, change: 'add' | 'delete'): void => {
      const key = this.#index(obj, change);
      if (key && (!this.#references || this.#references.services.has(key))) o.onChange();
    };
    this.slices = make(ENDPOINT_SLICE_TYPE, {
      add: (obj) => sliceChanged(obj, 'add'),
      update: (obj, old) => {
        const before = this.#index(old, 'delete');
        sliceChanged(obj, 'add');
        // A slice moved to another Service (label edited) changes that one too.
        if (before && before !== serviceKey(obj) && (!this.#references || this.#references.services.has(before))) o.onChange();
      },
      delete: (obj) => sliceChanged(obj, 'delete'),
    });
    this.secrets = make<Secret>(SECRET_TYPE, ifReferenced('secrets'), (obj) => {
      if (obj.type && UNREAD_SECRET_TYPES.has(obj.type)) delete obj.data;
      return slim(obj);
    });
  }

  get informers(): Array<Informer<KubeObject>> {
    return [this.rpts, this.services, this.slices, this.secrets];
  }

  start(): void {
    for (const i of this.informers) i.start();
  }

  /** Resolves once every kind has been listed. */
  async synced(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.synced));
  }

  get hasSynced(): boolean {
    return this.informers.every((i) => i.hasSynced);
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  /** What the last build referred to; changes to anything else are ignored from now on. */
  setReferences(refs: References): void {
    this.#references = refs;
  }

  targets(): Iterable<object> {
    return this.rpts.list();
  }

  target(namespace: string, name: string): KubeObject | undefined {
    return this.rpts.get(namespace, name);
  }

  secret(namespace: string, name: string): object | undefined {
    return this.secrets.get(namespace, name);
  }

  service(namespace: string, name: string): object | undefined {
    return this.services.get(namespace, name);
  }

  slicesOf(namespace: string, serviceName: string): Iterable<object> {
    return this.#slicesByService.get(`${namespace}/${serviceName}`)?.values() ?? [];
  }

  /** Adds or removes a slice under its Service; returns that Service's key. */
  #index(obj: KubeObject, change: 'add' | 'delete'): string | undefined {
    const key = serviceKey(obj);
    if (!key) return undefined;
    const slices = this.#slicesByService.get(key) ?? new Map<string, KubeObject>();
    if (change === 'add') slices.set(obj.metadata.name, obj);
    else slices.delete(obj.metadata.name);
    if (slices.size > 0) this.#slicesByService.set(key, slices);
    else this.#slicesByService.delete(key);
    return key;
  }
}

function serviceKey(slice: KubeObject): string | undefined {
  const svc = slice.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? `${slice.metadata.namespace}/${svc}` : undefined;
}
