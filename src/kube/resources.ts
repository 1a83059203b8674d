// The kinds the controller reads and writes, as plain JSON shapes and API paths. Only the
// fields passthru uses are typed; everything else is carried along untouched.

export interface ObjectMetaJson {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  managedFields?: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMetaJson;
}

export interface ResourceType {
  /** "v1" or "group/version". */
  apiVersion: string;
  kind: string;
  plural: string;
}

export const RPT_TYPE: ResourceType = { apiVersion: 'passthru.dev/v1alpha1', kind: 'ReverseProxyTarget', plural: 'reverseproxytargets' };
export const SERVICE_TYPE: ResourceType = { apiVersion: 'v1', kind: 'Service', plural: 'services' };
export const ENDPOINT_SLICE_TYPE: ResourceType = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', plural: 'endpointslices' };
export const SECRET_TYPE: ResourceType = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets' };
export const LEASE_TYPE: ResourceType = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', plural: 'leases' };
export const EVENT_TYPE: ResourceType = { apiVersion: 'v1', kind: 'Event', plural: 'events' };

/** "/api/v1/namespaces/ns/services", "/apis/discovery.k8s.io/v1/endpointslices", ... */
export function collectionPath(type: ResourceType, namespace?: string): string {
  const root = type.apiVersion.includes('/') ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${type.plural}`;
}

export function objectPath(type: ResourceType, namespace: string, name: string, subresource?: string): string {
  return `${collectionPath(type, namespace)}/${encodeURIComponent(name)}${subresource ? `/${subresource}` : ''}`;
}

export function objectKey(meta: Pick<ObjectMetaJson, 'namespace' | 'name'>): string {
  return `${meta.namespace ?? ''}/${meta.name}`;
}
