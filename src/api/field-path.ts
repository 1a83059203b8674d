// Field paths as users read them ("spec.servers[1].weight") and as code walks them
// (['spec', 'servers', 1, 'weight']). Map keys that are not plain words, such as a
// cookie domain "a.example.com", are quoted: spec.rewrite.cookieDomain["a.example.com"].

export type PathSegment = string | number;

const WORD = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (WORD.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** The inverse of formatPath; unparseable input yields the segments read so far. */
export function parsePath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i++;
    } else if (c === '[') {
      if (path[i + 1] === '"') {
        // A JSON string literal: find its closing quote, honouring escapes.
        let j = i + 2;
        while (j < path.length && path[j] !== '"') j += path[j] === '\\' ? 2 : 1;
        try {
          segments.push(JSON.parse(path.slice(i + 1, j + 1)) as string);
        } catch {
          return segments;
        }
        i = j + 2; // past '"]'
      } else {
        const close = path.indexOf(']', i);
        if (close < 0) return segments;
        const n = Number(path.slice(i + 1, close));
        if (!Number.isInteger(n)) return segments;
        segments.push(n);
        i = close + 1;
      }
    } else {
      let j = i;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
      segments.push(path.slice(i, j));
      i = j;
    }
  }
  return segments;
}
