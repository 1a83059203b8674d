import { describe, expect, it } from 'vitest';
import { validateSecret } from '../../src/api/validate.ts';

const base = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'apps' } };

describe('validateSecret', () => {
  it('decodes data, lets stringData win per key, and defaults the type to Opaque', () => {
    const r = validateSecret({
      ...base,
      data: { a: Buffer.from('from data').toString('base64'), b: 'b2xk' },
      stringData: { b: 'new', c: 'plain' },
    });
    expect(r.errors).toEqual([]);
    expect(r.secret?.type).toBe('Opaque');
    expect(r.secret?.metadata).toEqual({ name: 'tls', namespace: 'apps' });
    expect(Object.fromEntries(Object.entries(r.secret?.data ?? {}).map(([k, v]) => [k, v.toString()]))).toEqual({
      a: 'from data',
      b: 'new',
      c: 'plain',
    });
  });

  it('keeps the type and accepts base64 wrapped over lines', () => {
    const r = validateSecret({ ...base, type: 'kubernetes.io/tls', data: { 'tls.crt': 'aGVs\nbG8=' } });
    expect(r.secret?.type).toBe('kubernetes.io/tls');
    expect(r.secret?.data['tls.crt']?.toString()).toBe('hello');
  });

  it.each([
    [{ data: { a: 'not base64!' } }, 'data.a', 'must be base64'],
    [{ data: { a: 'aGVsbG8' } }, 'data.a', 'must be base64'],
    [{ data: { 'a/b': 'aGk=' } }, 'data["a/b"]', 'must be a Secret key'],
    [{ data: { a: 5 } }, 'data.a', 'must be a string'],
    [{ stringData: ['x'] }, 'stringData', 'must be an object, got a list'],
    [{ type: 5 }, 'type', 'must be a string'],
    [{ metadata: {} }, 'metadata.name', 'is required'],
    [{ strngData: {} }, 'strngData', 'did you mean "stringData"?'],
    [{ apiVersion: 'v2' }, 'apiVersion', 'must be "v1"'],
  ])('rejects %j at %s', (patch, path, fragment) => {
    const r = validateSecret({ ...base, ...patch });
    expect(r.secret).toBeUndefined();
    expect(r.errors.find((e) => e.path === path)?.message).toContain(fragment);
  });
});
