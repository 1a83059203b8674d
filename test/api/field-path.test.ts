import { describe, expect, it } from 'vitest';
import { formatPath, parsePath } from '../../src/api/field-path.ts';

describe('field paths', () => {
  it.each([
    [['spec', 'servers', 1, 'weight'], 'spec.servers[1].weight'],
    [['metadata', 'name'], 'metadata.name'],
    [['spec', 'headers', 'request', 'set', 'X-App'], 'spec.headers.request.set.X-App'],
    [['spec', 'rewrite', 'cookieDomain', 'a.example.com'], 'spec.rewrite.cookieDomain["a.example.com"]'],
    [['spec', 'rewrite', 'cookiePath', '/'], 'spec.rewrite.cookiePath["/"]'],
    [['items', 0, 'data', 'say "hi"]'], 'items[0].data["say \\"hi\\"]"]'],
    [[], ''],
  ])('%j <-> %s', (segments, text) => {
    expect(formatPath(segments)).toBe(text);
    expect(parsePath(text)).toEqual(segments);
  });
});
