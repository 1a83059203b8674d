// One manifest file's text -> validated objects, plus every problem with its line, so
// `passthru validate` and `passthru serve` report `file:line: field.path: message`.

import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { GROUP, KIND, targetKey, type ReverseProxyTarget, type SecretObject } from '../api/types.ts';
import { validateSecret, validateTarget } from '../api/validate.ts';
import { formatPath, parsePath, type PathSegment } from '../api/field-path.ts';
import { isObject } from '../api/fields.ts';

export interface ManifestProblem {
  file: string;
  line: number; // 1-based
  path: string;
  message: string;
}

export interface ParsedFile {
  targets: ReverseProxyTarget[];
  secrets: SecretObject[];
  problems: ManifestProblem[];
  ignored: Array<{ kind: string; name: string; line: number }>;
  /** Where each accepted object is defined, in document order. */
  origins: ObjectOrigin[];
}

/** Where an object came from, for duplicate reports across documents and files. */
export interface ObjectOrigin {
  key: string; // "Kind namespace/name"
  file: string;
  line: number;
}

export function formatProblem(p: ManifestProblem): string {
  return p.path === '' ? `${p.file}:${p.line}: ${p.message}` : `${p.file}:${p.line}: ${p.path}: ${p.message}`;
}

/** A problem when `origin` was already claimed by an earlier file; claims it otherwise. */
export function claimObject(claimed: Map<string, ObjectOrigin>, origin: ObjectOrigin): ManifestProblem | undefined {
  const first = claimed.get(origin.key);
  if (first === undefined) {
    claimed.set(origin.key, origin);
    return undefined;
  }
  return {
    file: origin.file,
    line: origin.line,
    path: 'metadata.name',
    message: `duplicate ${origin.key}, already defined in ${first.file}:${first.line}`,
  };
}

export function objectKey(kind: string, meta: { namespace: string; name: string }): string {
  return `${kind} ${targetKey(meta)}`;
}

type YamlNode = Node | null | undefined;

/**
 * The node at `path` below `root` (undefined when absent) and the 1-based line to report
 * for it: a map entry's key line (where a reader looks for it), or, for a field that is
 * not there, the line of its nearest existing ancestor.
 */
function locate(
  doc: Document,
  root: YamlNode,
  path: readonly PathSegment[],
  lines: LineCounter,
  fallback: number,
): { node: YamlNode; line: number } {
  let node: YamlNode = root;
  let line = node?.range ? lines.linePos(node.range[0]).line : fallback;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    let start: number | undefined;
    if (isMap(node) && typeof seg === 'string') {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (pair === undefined) return { node: undefined, line };
      start = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      node = pair.value as YamlNode;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      node = node.items[seg] as YamlNode;
      start = node?.range?.[0];
    } else {
      return { node: undefined, line };
    }
    if (start !== undefined) line = lines.linePos(start).line;
  }
  return { node, line };
}

interface Candidate {
  value: unknown;
  node: YamlNode;
  line: number;
  prefix: PathSegment[]; // e.g. ['items', 2] for an object inside a List
}

export function parseManifestText(text: string, file: string): ParsedFile {
  const out: ParsedFile = { targets: [], secrets: [], problems: [], ignored: [], origins: [] };
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  const seen = new Map<string, number>();
  const problem = (line: number, path: string, message: string) => out.problems.push({ file, line, path, message });

  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problem(lines.linePos(e.pos[0]).line, '', e.message.split('\n')[0] ?? e.message);
      continue;
    }
    const root = doc.contents as YamlNode;
    if (root === null || root === undefined) continue;
    const docLine = root.range ? lines.linePos(root.range[0]).line : 1;
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (e) {
      problem(docLine, '', `cannot read document: ${(e as Error).message}`);
      continue;
    }
    if (value === null || value === undefined) continue;

    const candidates: Candidate[] = [{ value, node: root, line: docLine, prefix: [] }];
    // kubectl expands `kind: List`; so do we, so that `kubectl get -o yaml` output works.
    if (isObject(value) && value.kind === 'List') {
      candidates.length = 0;
      if (!Array.isArray(value.items)) {
        problem(docLine, 'items', 'a List must have items: a list of objects');
        continue;
      }
      value.items.forEach((item, i) => {
        const { node, line } = locate(doc, root, ['items', i], lines, docLine);
        candidates.push({ value: item, node, line, prefix: ['items', i] });
      });
    }

    for (const c of candidates) {
      const report = (path: string, message: string) => {
        const segments = parsePath(path);
        problem(locate(doc, c.node, segments, lines, c.line).line, formatPath([...c.prefix, ...segments]), message);
      };
      if (!isObject(c.value)) {
        report('', 'must be an object with apiVersion and kind');
        continue;
      }
      const { apiVersion, kind } = c.value;
      if (typeof apiVersion !== 'string' || apiVersion === '') {
        report('apiVersion', 'is required: every object needs apiVersion and kind');
        continue;
      }
      if (typeof kind !== 'string' || kind === '') {
        report('kind', 'is required: every object needs apiVersion and kind');
        continue;
      }
      let origin: { kind: string; meta: { namespace: string; name: string } } | undefined;
      if (kind === KIND || apiVersion.startsWith(`${GROUP}/`)) {
        // A typo in our own group or version must be reported, not silently ignored.
        const r = validateTarget(c.value);
        for (const e of r.errors) report(e.path, e.message);
        if (r.target !== undefined) {
          out.targets.push(r.target);
          origin = { kind: KIND, meta: r.target.metadata };
        }
      } else if (apiVersion === 'v1' && kind === 'Secret') {
        const r = validateSecret(c.value);
        for (const e of r.errors) report(e.path, e.message);
        if (r.secret !== undefined) {
          out.secrets.push(r.secret);
          origin = { kind: 'Secret', meta: r.secret.metadata };
        }
      } else {
        const meta = c.value.metadata;
        const name = isObject(meta) && typeof meta.name === 'string' ? meta.name : '';
        out.ignored.push({ kind, name, line: c.line });
      }
      if (origin !== undefined) {
        const key = objectKey(origin.kind, origin.meta);
        const first = seen.get(key);
        if (first === undefined) {
          const line = locate(doc, c.node, ['metadata', 'name'], lines, c.line).line;
          seen.set(key, line);
          out.origins.push({ key, file, line });
        } else {
          report('metadata.name', `duplicate ${key}, already defined at line ${first}`);
          if (origin.kind === KIND) out.targets.pop();
          else out.secrets.pop();
        }
      }
    }
  }
  // Validation reports in rule order; readers expect document order.
  out.problems.sort((a, b) => a.line - b.line);
  return out;
}
