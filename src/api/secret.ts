// `v1` Secrets, for TLS certificates and the WebSphere connector secret. Decoded the way
// the API server does: `data` is base64, `stringData` is plain text and wins per key.

import type { FieldError, SecretObject } from './types.ts';
import { Fields, Issues, isObject } from './fields.ts';
import { checkTypeMeta, validateMetadata } from './metadata.ts';
import { checkSecretKey, show } from './names.ts';

const SECRET_FIELDS = ['apiVersion', 'kind', 'metadata', 'type', 'data', 'stringData', 'immutable'] as const;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64; line breaks are ignored, as Go's decoder (and so the API server) does. */
export function decodeBase64(text: string): Buffer | undefined {
  const s = text.replace(/[\r\n]/g, '');
  return BASE64.test(s) ? Buffer.from(s, 'base64') : undefined;
}

export function validateSecret(raw: unknown): { secret?: SecretObject; errors: FieldError[] } {
  const issues = new Issues();
  if (!isObject(raw)) {
    issues.add([], `must be an object, got ${show(raw)}`);
    return { errors: issues.list };
  }
  checkTypeMeta(issues, raw, 'v1', 'Secret', SECRET_FIELDS);
  const metadata = validateMetadata(issues, raw.metadata);
  const f = new Fields(issues, raw, []);
  const type = f.string('type', (s) => (s === '' ? 'must not be empty' : undefined)) ?? 'Opaque';
  f.bool('immutable', false);
  const data: Record<string, Buffer> = {};
  f.stringMap('data', (key, value) => {
    const keyProblem = checkSecretKey(key);
    if (keyProblem !== undefined) return { key: keyProblem };
    const bytes = decodeBase64(value);
    if (bytes === undefined) return { value: 'must be base64 (standard alphabet, padded); put plain text under stringData' };
    data[key] = bytes;
    return {};
  });
  f.stringMap('stringData', (key, value) => {
    const keyProblem = checkSecretKey(key);
    if (keyProblem !== undefined) return { key: keyProblem };
    data[key] = Buffer.from(value, 'utf8');
    return {};
  });
  if (issues.list.length > 0 || metadata === undefined) return { errors: issues.list };
  return { secret: { metadata, type, data }, errors: [] };
}
