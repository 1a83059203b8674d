// `metadata` as both ReverseProxyTarget and Secret carry it. Only name and namespace
// matter for routing; the API server's bookkeeping fields are kept for status and
// conflict resolution; the `passthru.dev/` annotations are kept (an operator's durable
// drain/disable); labels, other annotations and the like are accepted and ignored.

import type { ObjectMeta } from './types.ts';
import { Fields, type Issues, isObject, unknownFieldMessage } from './fields.ts';
import { checkDns1123Label, checkDns1123Subdomain, show } from './names.ts';

const OBJECT_META_FIELDS = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
] as const;

export function validateMetadata(issues: Issues, raw: unknown): ObjectMeta | undefined {
  if (raw === undefined || raw === null) {
    issues.add(['metadata'], 'is required (with at least a name)');
    return undefined;
  }
  const f = Fields.open(issues, raw, ['metadata'], OBJECT_META_FIELDS);
  if (f === undefined) return undefined;
  const before = issues.list.length;
  const name = f.required('name') ? f.string('name', checkDns1123Subdomain) : undefined;
  const namespace = f.string('namespace', checkDns1123Label) ?? 'default';
  const meta: ObjectMeta = { name: name ?? '', namespace };
  const uid = f.string('uid');
  if (uid !== undefined) meta.uid = uid;
  if (f.has('generation')) meta.generation = f.int('generation', { min: 0 }, 0);
  const resourceVersion = f.string('resourceVersion');
  if (resourceVersion !== undefined) meta.resourceVersion = resourceVersion;
  const created = f.get('creationTimestamp');
  // Some YAML loaders turn timestamps into Dates; keep the RFC 3339 text either way.
  if (created instanceof Date) meta.creationTimestamp = created.toISOString();
  else if (created !== undefined) meta.creationTimestamp = f.string('creationTimestamp');
  for (const key of ['labels', 'annotations'] as const) {
    const v = f.get(key);
    if (v !== undefined && !isObject(v)) f.error(key, `must be an object, got ${show(v)}`);
  }
  const annotations = readAnnotations(f);
  if (annotations !== undefined) meta.annotations = annotations;
  return issues.list.length === before ? meta : undefined;
}

/** Annotations passthru reads start with this; the others are not kept. */
export const ANNOTATION_PREFIX = 'passthru.dev/';

function readAnnotations(f: Fields): Record<string, string> | undefined {
  const raw = f.get('annotations');
  if (!isObject(raw)) return undefined;
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    // The API server only stores string values; a YAML `true` or `3` would be refused there.
    if (typeof value !== 'string') {
      f.issues.add(['metadata', 'annotations', key], `must be a string, got ${show(value)} (quote it in YAML)`);
    } else if (key.startsWith(ANNOTATION_PREFIX)) kept[key] = value;
  }
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** Checks apiVersion/kind and rejects unknown top-level fields, as kubectl's strict mode does. */
export function checkTypeMeta(
  issues: Issues,
  raw: Record<string, unknown>,
  apiVersion: string,
  kind: string,
  fields: readonly string[],
): void {
  if (raw.apiVersion !== apiVersion) issues.add(['apiVersion'], `must be ${show(apiVersion)}, got ${show(raw.apiVersion)}`);
  if (raw.kind !== kind) issues.add(['kind'], `must be ${show(kind)}, got ${show(raw.kind)}`);
  for (const key of Object.keys(raw)) {
    if (!fields.includes(key)) issues.add([key], unknownFieldMessage(key, fields));
  }
}
