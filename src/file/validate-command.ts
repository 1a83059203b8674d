// `passthru validate PATH...`: the checks `serve` would make, offline, as
// `file:line: field.path: message` lines that editors and CI annotations understand.

import { readFile } from 'node:fs/promises';
import { listManifestFiles } from './list.ts';
import { claimObject, formatProblem, parseManifestText, type ManifestProblem, type ObjectOrigin } from './manifests.ts';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Prints every problem and returns the exit code: 0 when there is none, else 1. */
export async function runValidate(paths: string[], out: NodeJS.WritableStream): Promise<number> {
  const print = (line: string) => out.write(`${line}\n`);
  if (paths.length === 0) {
    print('usage: passthru validate PATH...');
    return 1;
  }
  let failed = false;
  let files = 0;
  let objects = 0;
  for (const path of paths) {
    let list: string[];
    try {
      list = await listManifestFiles(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      print(`${path}: ${code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
      failed = true;
      continue;
    }
    // Within one PATH an object may be defined once, as `serve --config PATH` requires.
    const claimed = new Map<string, ObjectOrigin>();
    for (const file of list) {
      files++;
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        print(`${file}: cannot read file: ${(e as Error).message}`);
        failed = true;
        continue;
      }
      const parsed = parseManifestText(text, file);
      const problems: ManifestProblem[] = [...parsed.problems];
      for (const origin of parsed.origins) {
        const p = claimObject(claimed, origin);
        if (p !== undefined) problems.push(p);
      }
      problems.sort((a, b) => a.line - b.line);
      for (const p of problems) print(formatProblem(p));
      if (problems.length > 0) failed = true;
      objects += parsed.origins.length;
    }
  }
  if (failed) return 1;
  print(`${plural(files, 'file')}, ${plural(objects, 'object')}: ok`);
  return 0;
}
